// The live console: keeps the server-rendered waiting lists current.
// On every (re)connect it loads each queue's snapshot, then applies the
// queue.caller_joined / queue.caller_left deltas; time waiting ticks each second.
// Words come translated in the page's console-data block; no number reaches here.
// It also shows the operator's presence, changes it (PUT /api/v1/me/presence),
// follows presence.changed from their other tabs, and sends console.alive heartbeats.
// Each row has a Take button; queue.caller_updated marks rows offered or being
// answered. Offers, the call and its wrap-up are desk.js's.

import { startDesk } from "./desk.js";

const data = JSON.parse(document.getElementById("console-data").textContent);
const labels = data.labels;
const clockOffset = Date.parse(data.server_time) - Date.now();
const plural = new Intl.PluralRules(data.locale);
const since = new Intl.DateTimeFormat(data.locale, {
  timeZone: data.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

// queue name -> { callers: Map(call_sid -> caller), total, pending: events while a snapshot loads }
const lists = new Map(data.queues.map((queue) => [queue, { callers: new Map(), total: 0, pending: null }]));

function callerFromRow(row, queue) {
  return {
    call_sid: row.dataset.callSid,
    queue,
    waiting_since: row.dataset.waitingSince,
    priority: Number(row.dataset.priority),
    row,
  };
}

for (const section of document.querySelectorAll("section.queue[data-queue]")) {
  const list = lists.get(section.dataset.queue);
  if (!list) continue;
  for (const row of section.querySelectorAll("tbody tr[data-call-sid]")) {
    list.callers.set(row.dataset.callSid, callerFromRow(row, section.dataset.queue));
  }
  list.total = Number(section.dataset.total ?? list.callers.size);
}

function answerOrder(a, b) {
  return b.priority - a.priority
    || Date.parse(a.waiting_since) - Date.parse(b.waiting_since)
    || (a.order ?? 0) - (b.order ?? 0);
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const [hours, minutes, rest] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${minutes}:${pad(rest)}`;
}

function waited(caller) {
  return (Date.now() + clockOffset - Date.parse(caller.waiting_since)) / 1000;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function badge(text, crisis) {
  const span = document.createElement("span");
  span.className = crisis ? "badge crisis" : "badge";
  span.textContent = text;
  return span;
}

function newRow(caller) {
  const row = document.createElement("tr");
  row.dataset.callSid = caller.call_sid;
  row.dataset.waitingSince = caller.waiting_since;
  row.dataset.priority = String(caller.priority);
  const time = document.createElement("time");
  time.dateTime = caller.waiting_since;
  time.textContent = since.format(new Date(caller.waiting_since));
  const when = cell("", "since");
  when.append(time);
  const notes = cell("", "notes");
  if (caller.crisis) notes.append(badge(labels.crisis, true));
  if (caller.priority === data.priorities.callback_return) notes.append(badge(labels.callback_return));
  const repeat = caller.repeat_caller ?? caller.priority === data.priorities.repeat_caller;
  if (repeat) notes.append(badge(labels.repeat_caller));
  row.append(
    cell("", "place"),
    cell(clock(waited(caller)), "waited"),
    when,
    cell(caller.language ? labels.languages[caller.language] ?? caller.language : labels.no_language, "language"),
    cell(caller.case_reference ?? "—", "case"),
    notes,
    cell("", "take"),
  );
  return row;
}

function render(queue) {
  const list = lists.get(queue);
  const section = document.querySelector(`section.queue[data-queue="${queue}"]`);
  if (!section) return;
  const shown = [...list.callers.values()].sort(answerOrder).slice(0, data.limit);
  const body = section.querySelector("tbody");
  shown.forEach((caller, index) => {
    caller.row ??= newRow(caller);
    caller.row.querySelector(".place").textContent = String(index + 1);
    markRow(caller, index + 1);
  });
  body.replaceChildren(...shown.map((caller) => caller.row));
  list.total = Math.max(list.total, list.callers.size);
  const form = labels.waiting[plural.select(list.total)] ?? labels.waiting.other;
  section.querySelector(".count").textContent = form.replace("{n}", String(list.total));
  section.querySelector("table").hidden = shown.length === 0;
  section.querySelector(".empty").hidden = shown.length > 0;
  const more = section.querySelector(".more");
  more.hidden = list.total <= shown.length;
  more.textContent = labels.more.replace("{total}", String(list.total));
}

// The row's state (offered, being answered) and its Take button.
function markRow(caller, place) {
  const row = caller.row;
  row.dataset.offered = String(Boolean(caller.offered));
  row.dataset.connected = String(Boolean(caller.connected));
  const notes = row.querySelector(".notes");
  notes.querySelector(".badge.state")?.remove();
  if (caller.connected || caller.offered) {
    const state = badge(caller.connected ? labels.connected : labels.offered);
    state.classList.add("state");
    notes.append(state);
  }
  const takeCell = row.querySelector(".take");
  let button = takeCell.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.className = "take-button";
    button.textContent = labels.take;
    button.addEventListener("click", () => desk.take(caller.call_sid, button));
    takeCell.append(button);
  }
  button.setAttribute("aria-label", labels.take_named.replace("{place}", String(place)));
  button.disabled = Boolean(caller.connected) || busyPresence();
}

function updated(message) {
  const list = lists.get(message.queue);
  if (!list) return;
  if (list.pending) return list.pending.push(["updated", message]);
  const known = list.callers.get(message.call_sid);
  if (!known) {
    if (message.connected) return;
    return joined(message);
  }
  Object.assign(known, { offered: message.offered, connected: message.connected });
  render(message.queue);
}

let arrivals = 0;

function joined(caller) {
  const list = lists.get(caller.queue);
  if (!list) return;
  if (list.pending) return list.pending.push(["joined", caller]);
  if (list.callers.has(caller.call_sid)) return;
  list.callers.set(caller.call_sid, { ...caller, order: ++arrivals });
  list.total += 1;
  render(caller.queue);
}

function left(message) {
  const list = lists.get(message.queue);
  if (!list) return;
  if (list.pending) return list.pending.push(["left", message]);
  const known = list.callers.delete(message.call_sid);
  // A caller past the first 50 is not in the page, but was in the total.
  if (known || list.total > list.callers.size) list.total -= 1;
  render(message.queue);
}

async function loadSnapshot(queue) {
  const list = lists.get(queue);
  list.pending = [];
  try {
    const answer = await fetch(`/api/v1/queues/${encodeURIComponent(queue)}/waiting`, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!answer.ok) throw new Error(`snapshot of ${queue}: ${answer.status}`);
    const snapshot = await answer.json();
    const before = list.callers;
    list.callers = new Map(snapshot.callers.map((caller) => {
      const row = before.get(caller.call_sid)?.row;
      return [caller.call_sid, { ...caller, order: caller.position, row }];
    }));
    list.total = snapshot.total;
  } finally {
    const pending = list.pending;
    list.pending = null;
    render(queue);
    const handlers = { joined, left, updated };
    for (const [kind, message] of pending) handlers[kind](message);
  }
}

function showState(state) {
  const element = document.getElementById("live-state");
  element.dataset.state = state;
  element.textContent = state === "live" ? labels.live : labels.offline;
}

function tick() {
  for (const list of lists.values()) {
    for (const caller of list.callers.values()) {
      const cellWaited = caller.row?.querySelector(".waited");
      if (cellWaited) cellWaited.textContent = clock(waited(caller));
    }
  }
}

const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const presenceState = document.getElementById("presence");
const presenceError = document.getElementById("presence-error");
const chooseButtons = document.querySelectorAll("button[data-choose]");
const deviceInputs = document.querySelectorAll('input[name="device"]');

function busyPresence() {
  return presenceState.dataset.presence === "busy" || presenceState.dataset.presence === "wrap_up";
}

function showPresence(presence, device) {
  presenceState.dataset.presence = presence;
  for (const queue of lists.keys()) render(queue);
  presenceState.textContent = labels.presence[presence] ?? presence;
  const chosen = presence === "available" || presence === "away";
  for (const button of chooseButtons) {
    button.setAttribute("aria-pressed", String(button.dataset.choose === presence));
    button.disabled = !chosen;
  }
  for (const input of deviceInputs) {
    input.checked = input.value === device;
    input.disabled = !chosen;
  }
}

function chosenDevice() {
  return [...deviceInputs].find((input) => input.checked)?.value;
}

async function choosePresence(presence, device) {
  presenceError.hidden = true;
  const body = device ? { presence, device } : { presence };
  try {
    const answer = await fetch(data.presence.url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`presence: ${answer.status}`);
    const me = await answer.json();
    showPresence(me.presence, me.device);
  } catch {
    presenceError.textContent = labels.presence_failed;
    presenceError.hidden = false;
  }
}

for (const button of chooseButtons) {
  button.addEventListener("click", () => choosePresence(button.dataset.choose, chosenDevice()));
}
for (const input of deviceInputs) {
  input.addEventListener("change", () => choosePresence(presenceState.dataset.presence, input.value));
}

async function loadMe() {
  const answer = await fetch("/api/v1/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (answer.ok) {
    const me = await answer.json();
    showPresence(me.presence, me.device);
  }
}

const socket = window.io();
const desk = startDesk({ data, socket, csrfToken, clock, clockOffset });
socket.on("connect", async () => {
  await Promise.all([...data.queues.map(loadSnapshot), loadMe(), desk.recover()]);
  showState("live");
});
socket.on("disconnect", () => showState("offline"));
socket.on("connect_error", () => showState("offline"));
socket.on("queue.caller_joined", joined);
socket.on("queue.caller_left", left);
socket.on("queue.caller_updated", updated);
// The user room carries only this user's changes; supervisors also hear everyone's.
socket.on("presence.changed", (message) => {
  if (message.username === data.username) showPresence(message.presence, message.device);
});
setInterval(() => {
  if (socket.connected) socket.emit("console.alive");
}, data.presence.heartbeat_seconds * 1000);
setInterval(tick, 1000);
