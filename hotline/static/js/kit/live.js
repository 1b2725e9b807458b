// A live page: connect → load each snapshot → apply the deltas, in order.
//
//   const page = live(socket, { onState, onError });
//   page.source("legal", async () => applyTheSnapshot(await get(url)));
//   page.on("queue.caller_joined", (message) => message.queue, joined);
//   page.reload("legal");   // when a delta cannot be applied: take a new snapshot
//
// Every (re)connect reloads every source, since events sent while the page was
// away are lost. A delta for a source whose snapshot is loading is buffered and
// applied after it, in the order it came: the snapshot may already hold it, so
// deltas must be idempotent (a join of a caller already listed moves them, a
// leave of one not listed changes nothing). A snapshot that fails is reported
// to onError and tried again while connected.
// onState: "loading" on connect, "live" once every snapshot is in, "offline".

const RETRY_MS = 5000;

export function live(socket, { onState = () => {}, onError = (error) => console.warn(error) } = {}) {
  const sources = new Map(); // key -> { load, buffer: null | [[handler, message]], loading, again }
  const failed = new Set(); // keys whose last snapshot failed

  function source(key, load) {
    sources.set(key, { load, buffer: null, loading: null, again: false });
  }

  function dispatch(key, handler, message) {
    const buffer = sources.get(key)?.buffer;
    if (buffer) buffer.push([handler, message]);
    else handler(message);
  }

  // keyOf: the source a message belongs to (a key, or a function of the message).
  function on(event, keyOf, handler) {
    const key = typeof keyOf === "function" ? keyOf : () => keyOf;
    socket.on(event, (message) => dispatch(key(message), handler, message));
  }

  // The promise of the source's snapshot, applied and its buffer flushed.
  function reload(key) {
    const state = sources.get(key);
    if (!state) return Promise.resolve();
    if (state.loading) {
      state.again = true; // the snapshot under way may be older than the reason to reload
      return state.loading;
    }
    state.buffer = [];
    state.loading = load(key, state);
    return state.loading;
  }

  async function load(key, state) {
    do {
      state.again = false;
      try {
        await state.load();
        failed.delete(key);
      } catch (error) {
        failed.add(key);
        onError(error);
      }
    } while (state.again && !failed.has(key));
    const buffered = state.buffer;
    state.buffer = state.loading = null;
    for (const [handler, message] of buffered) dispatch(key, handler, message);
    if (failed.has(key)) setTimeout(() => socket.connected && reload(key), RETRY_MS);
    else if (socket.connected && !failed.size && [...sources.values()].every((s) => !s.loading)) {
      onState("live");
    }
  }

  socket.on("connect", () => {
    onState("loading");
    for (const key of sources.keys()) reload(key);
  });
  socket.on("disconnect", () => onState("offline"));
  socket.on("connect_error", () => onState("offline"));

  return { source, on, reload };
}
