// The live console: the waiting lists (waiting.js), the operator's presence
// (presence.js), their call desk (desk.js) and the callbacks panel (callbacks.js), kept current over Socket.IO by
// kit/live.js: on every (re)connect each queue's snapshot, the user's presence
// and their desk are loaded again, and the deltas that arrive meanwhile are
// applied after them. console.alive heartbeats tell the server the console is open.
// Words come translated in the page's console-data block; no number reaches here.

import { callbacksPanel } from "./callbacks.js";
import { startDesk } from "./desk.js";
import { get } from "./kit/api.js";
import { errorLabel, label, pageData } from "./kit/labels.js";
import { live } from "./kit/live.js";
import { presence } from "./presence.js";
import { waitingLists } from "./waiting.js";

const data = pageData();
// hotline.events.callback_changed: callback.<name>, the API's view of the callback.
const CALLBACK_EVENTS = ["scheduled", "queued", "attempted", "completed", "failed", "cancelled"];
const liveState = document.getElementById("live-state");

function showState(state) {
  liveState.dataset.state = state;
  liveState.textContent = state === "live" ? label("live") : label("offline");
}

// A snapshot the server refused or did not answer: said where the page says it is live.
function showError(error) {
  liveState.dataset.state = "error";
  liveState.textContent = errorLabel(error);
}

const socket = window.io();
const page = live(socket, { onState: showState, onError: showError });
const desk = startDesk({ socket, page });
const lists = waitingLists({ onTake: desk.take, reload: (queue) => page.reload(`queue:${queue}`) });
const me = presence({ onChange: (now) => lists.setBusy(now === "busy" || now === "wrap_up") });

for (const queue of lists.queues) {
  const url = `/api/v1/queues/${encodeURIComponent(queue)}/waiting`;
  page.source(`queue:${queue}`, async () => lists.snapshot(queue, await get(url)));
}
page.source("me", me.load);
const byQueue = (message) => `queue:${message.queue}`;
page.on("queue.caller_joined", byQueue, lists.joined);
page.on("queue.caller_left", byQueue, lists.left);
page.on("queue.caller_updated", byQueue, lists.updated);
page.on("presence.changed", "me", me.changed);
const panel = callbacksPanel();
page.source("callbacks", panel.load);
page.on("queue.caller_left", "callbacks", panel.left);
for (const status of CALLBACK_EVENTS) {
  page.on(`callback.${status}`, byQueue, lists.callbackChanged);
  page.on(`callback.${status}`, "callbacks", panel.changed);
}

setInterval(() => {
  if (socket.connected) socket.emit("console.alive");
}, data.presence.heartbeat_seconds * 1000);
// The server ends the connection only when the session has ended (a logout in
// another tab or browser, a deactivation, the login's maximum age): reloading
// takes the page to the login form.
socket.on("disconnect", (reason) => {
  if (reason === "io server disconnect") window.location.reload();
});
setInterval(() => {
  lists.tick();
  panel.tick();
}, 1000);
