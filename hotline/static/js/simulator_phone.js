// The simulator's phone page (development only): place a call to the hotline,
// press keys, hang up. The server plays the caller; this page shows the
// transcript it keeps, asking for the lines it has not shown yet. While no call
// is going on, the page answers for the number in #from: a call back to it
// rings here, to be answered (then it goes on as a call from the page) or declined.
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
const incoming = document.getElementById("incoming");
const answerButton = document.getElementById("answer");
const declineButton = document.getElementById("decline");
const POLL_MS = 500;
const LISTEN_MS = 1000;

let call = null; // { sid, next }
let ringing = null; // the CallSid of a call back ringing for the page's number

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

function follow(sid) {
  call = { sid, next: 0 };
  setLive(true);
  status.textContent = "";
  poll();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (call) return;
  transcript.replaceChildren();
  status.textContent = label("calling");
  try {
    const placed = await post(data.calls, { from: form.elements.from.value });
    follow(placed.call_sid);
  } catch (error) {
    status.textContent = `${label("failed")} ${error.message}`;
  }
});

function ring(sid) {
  ringing = sid;
  incoming.hidden = !sid;
}

// Say again, every second, that the page answers for its number; show a call back ringing for it.
async function listen() {
  try {
    const body = await post(data.incoming, { from: form.elements.from.value });
    form.dataset.listening = String(body.listening);
    ring(call ? null : body.call?.call_sid ?? null);
  } catch {
    ring(null); // the next turn asks again
  }
  setTimeout(listen, LISTEN_MS);
}

async function pickUp(action) {
  const sid = ringing;
  if (!sid || call) return;
  ring(null);
  try {
    await post(`${data.incoming}/${sid}/${action}`, { from: form.elements.from.value });
    if (action === "answer") {
      transcript.replaceChildren();
      follow(sid);
    } else {
      status.textContent = label("declined");
    }
  } catch (error) {
    status.textContent = error.message;
  }
}

answerButton.addEventListener("click", () => pickUp("answer"));
declineButton.addEventListener("click", () => pickUp("decline"));
listen();

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
