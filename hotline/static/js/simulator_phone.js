// The simulator's phone page (development only): place a call to the hotline,
// press keys, hang up. The server plays the caller; this page shows the
// transcript it keeps, asking for the lines it has not shown yet.
// Words come translated in the page's phone-data block (kit/labels.js).

import { get, post } from "./kit/api.js";
import { has, label, pageData } from "./kit/labels.js";

const data = pageData();
const form = document.getElementById("dial");
const callButton = document.getElementById("call");
const keys = [...document.querySelectorAll(".sim-key")];
const hangUp = document.getElementById("hang-up");
const status = document.getElementById("sim-state");
const transcript = document.getElementById("transcript");
const POLL_MS = 500;

let call = null; // { sid, next }

function setLive(live) {
  for (const key of keys) key.disabled = !live;
  hangUp.disabled = !live;
  callButton.disabled = live;
}

function show(line) {
  const item = document.createElement("li");
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = has(line.kind) ? label(line.kind) : line.kind;
  item.append(kind, document.createTextNode(line.text));
  transcript.append(item);
  transcript.scrollTop = transcript.scrollHeight;
}

function finish(message) {
  status.textContent = message;
  setLive(false);
  call = null;
}

async function poll() {
  if (!call) return;
  const sid = call.sid;
  try {
    const body = await get(`${data.calls}/${sid}/transcript?after=${call.next}`);
    if (!call || call.sid !== sid) return;
    body.lines.forEach(show);
    call.next = body.next;
    if (body.ended) {
      finish(body.hung_up ? label("hung_up") : label("ended"));
      return;
    }
  } catch (error) {
    status.textContent = error.message;
  }
  setTimeout(poll, POLL_MS);
}

let sending = Promise.resolve();

async function send(key) {
  if (!call) return;
  try {
    await post(`${data.calls}/${call.sid}/digits`, { digits: key });
  } catch (error) {
    status.textContent = error.message;
  }
}

// Keys go one after another, as pressed: two requests in flight at once may
// arrive in either order.
function press(key) {
  sending = sending.then(() => send(key));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (call) return;
  transcript.replaceChildren();
  status.textContent = label("calling");
  try {
    const placed = await post(data.calls, { from: form.elements.from.value });
    call = { sid: placed.call_sid, next: 0 };
    setLive(true);
    status.textContent = "";
    poll();
  } catch (error) {
    status.textContent = `${label("failed")} ${error.message}`;
  }
});

for (const key of keys) key.addEventListener("click", () => press(key.dataset.key));

// The keyboard's digits, * and # press the keypad's (outside the number field).
document.addEventListener("keydown", (event) => {
  if (!call || event.target instanceof HTMLInputElement || !/^[0-9*#]$/.test(event.key)) return;
  event.preventDefault();
  press(event.key);
});

hangUp.addEventListener("click", async () => {
  if (!call) return;
  try {
    await post(`${data.calls}/${call.sid}/hangup`);
  } catch (error) {
    status.textContent = error.message;
  }
});
