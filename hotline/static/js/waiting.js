// The console's waiting lists, one per queue: server-rendered, kept current by
// the snapshot (GET /api/v1/queues/<name>/waiting) and the queue.caller_joined /
// caller_left / caller_updated deltas; rows are patched in place (kit/patch.js),
// so a keyboard user's focus on a Take button survives every change.
// Queued callbacks wait among the callers, marked as callbacks (no Take: a
// callback is offered, never taken from the list), kept by the callback.*
// events: queued, in its place; any other status, gone; "offered" while an
// operator holds its offer, by queue.caller_updated with kind "callback".
// The order is the server's (hotline/calls/queues.py), never re-sorted here: a joined
// caller goes to the `position` the event gives, or is placed by the fields it
// has (priority, returned, waiting_since); one that cannot be placed so (a
// returned caller with no position) makes the list reload its snapshot.
// No phone number reaches here.

import { clock, secondsSince } from "./kit/clock.js";
import { countLabel, label, languageLabel, pageData } from "./kit/labels.js";
import { patchList } from "./kit/patch.js";

const data = pageData();
const since = new Intl.DateTimeFormat(data.locale, {
  timeZone: data.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

const UNPLACED = -1;
const HIDDEN = -2; // past the callers the page shows

// An entry's key in the list: a caller's call_sid, a callback's id.
export function keyOf(entry) {
  return entry.kind === "callback" ? `callback:${entry.callback_id}` : entry.call_sid;
}

const isCallback = (entry) => entry.kind === "callback";

// The answer order as the server writes it (hotline/calls/queues.py caller_place,
// callback_place): priority, then callers who went back to the queue, then the
// time waiting; a caller before a callback of the same instant. Only for pairs
// whose order the fields tell: never two returned callers (ordered by when they
// went back, which no row carries); null when a caller's `returned` is unknown.
function placeKey(entry) {
  if (isCallback(entry)) return [-entry.priority, 1, Date.parse(entry.waiting_since), 1, entry.callback_id];
  if (entry.returned === undefined) return null;
  return [-entry.priority, entry.returned ? 0 : 1, Date.parse(entry.waiting_since), 0, 0];
}

// true: `a` is answered before `b`; false: not; null: the fields cannot tell.
function before(a, b) {
  const [x, y] = [placeKey(a), placeKey(b)];
  if (x === null || y === null) {
    return a.priority !== b.priority ? a.priority > b.priority : null;
  }
  for (let index = 0; index < x.length; index += 1) if (x[index] !== y[index]) return x[index] < y[index];
  return false;
}

// Where `entry` goes among `callers` (those shown, in answer order); `complete`:
// they are all who wait, none hidden past the page's limit. A caller's
// `position` counts callers only (hotline/calls/queues.py position_of): the
// callbacks around that place are passed by their fields.
function placeOf(callers, entry, complete) {
  if (!isCallback(entry) && entry.position) {
    // Among the waiting callers: a row being answered waits no more.
    let ahead = 0;
    for (let index = 0; index < callers.length; index += 1) {
      const known = callers[index];
      if (ahead === entry.position - 1) {
        if (!isCallback(known)) return index;
        const first = before(known, entry);
        if (first === null) return UNPLACED;
        if (!first) return index;
      } else if (!known.connected && !isCallback(known)) ahead += 1;
    }
    if (ahead === entry.position - 1) return complete ? callers.length : HIDDEN;
    return complete ? UNPLACED : HIDDEN;
  }
  if (!isCallback(entry) && entry.returned !== false) return UNPLACED;
  let index = 0;
  for (; index < callers.length; index += 1) {
    const first = before(entry, callers[index]);
    if (first === null) return UNPLACED;
    if (first) return index;
  }
  return complete ? callers.length : HIDDEN;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function badge(text, className = "") {
  const span = document.createElement("span");
  span.className = `badge ${className}`.trim();
  span.textContent = text;
  return span;
}

function newRow(caller) {
  const row = document.createElement("tr");
  row.dataset.kind = caller.kind ?? "call";
  if (isCallback(caller)) row.dataset.callbackId = String(caller.callback_id);
  else row.dataset.callSid = caller.call_sid;
  row.dataset.waitingSince = caller.waiting_since;
  row.dataset.priority = String(caller.priority);
  const time = document.createElement("time");
  time.dateTime = caller.waiting_since;
  time.textContent = since.format(new Date(caller.waiting_since));
  const when = cell("", "since");
  when.append(time);
  const notes = cell("", "notes");
  if (isCallback(caller)) {
    notes.append(badge(label("callback"), "callback"), " ");
    if (caller.requested_at) {
      const asked = document.createElement("span");
      asked.className = "asked";
      asked.textContent = label("asked_at", { time: since.format(new Date(caller.requested_at)) });
      notes.append(asked);
    }
  }
  if (caller.crisis) notes.append(badge(label("crisis"), "crisis"));
  if (!isCallback(caller) && caller.priority === data.priorities.callback_return) {
    notes.append(badge(label("callback_return")));
  }
  if (caller.repeat_caller ?? (!isCallback(caller) && caller.priority === data.priorities.repeat_caller)) {
    notes.append(badge(label("repeat_caller")));
  }
  row.append(
    cell("", "place"),
    cell(clock(secondsSince(caller.waiting_since)), "waited"),
    when,
    cell(languageLabel(caller.language), "language"),
    cell(caller.case_reference ?? "—", "case"),
    notes,
    cell("", "take"),
  );
  return row;
}

// The callers and callbacks the server rendered, before the first snapshot comes.
function fromPage(section) {
  return [...section.querySelectorAll("tbody tr[data-kind]")].map((row) => ({
    kind: row.dataset.kind,
    call_sid: row.dataset.callSid ?? null,
    callback_id: row.dataset.callbackId ? Number(row.dataset.callbackId) : null,
    waiting_since: row.dataset.waitingSince,
    priority: Number(row.dataset.priority),
    returned: row.dataset.returned === "true",
    offered: row.dataset.offered === "true",
  }));
}

// onTake(callSid, button): the row's Take button; reload(queue): a new snapshot.
export function waitingLists({ onTake, reload }) {
  const lists = new Map(); // queue -> { section, callers: [caller] in answer order, total }
  let busy = false;

  for (const section of document.querySelectorAll("section.queue[data-queue]")) {
    const callers = fromPage(section);
    lists.set(section.dataset.queue, { section, callers, total: Number(section.dataset.total ?? callers.length) });
  }

  // The row's state (offered, being answered) and its Take button.
  function fill(row, caller, index) {
    row.querySelector(".place").textContent = String(index + 1);
    row.dataset.offered = String(Boolean(caller.offered));
    row.dataset.connected = String(Boolean(caller.connected));
    const notes = row.querySelector(".notes");
    notes.querySelector(".badge.state")?.remove();
    if (caller.connected || caller.offered) {
      notes.append(badge(label(caller.connected ? "connected" : "offered"), "state"));
    }
    // A queued callback is offered, never taken from the list: no action does that.
    if (isCallback(caller)) return;
    const takeCell = row.querySelector(".take");
    let button = takeCell.querySelector("button");
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "take-button";
      button.textContent = label("take");
      button.addEventListener("click", () => onTake(row.dataset.callSid, button));
      takeCell.append(button);
    }
    button.setAttribute("aria-label", label("take_named", { place: index + 1 }));
    button.disabled = Boolean(caller.connected) || busy;
  }

  function render(list) {
    const shown = list.callers.slice(0, data.limit);
    const section = list.section;
    patchList(section.querySelector("tbody"), shown, { key: keyOf, create: newRow, update: fill });
    list.total = Math.max(list.total, list.callers.length);
    section.querySelector(".count").textContent = countLabel("waiting", list.total);
    section.querySelector("table").hidden = shown.length === 0;
    section.querySelector(".empty").hidden = shown.length > 0;
    const more = section.querySelector(".more");
    more.hidden = list.total <= shown.length;
    more.textContent = label("more", { total: list.total });
  }

  function snapshot(queue, body) {
    const list = lists.get(queue);
    list.callers = body.callers;
    list.total = body.total;
    render(list);
  }

  // A caller already listed (a snapshot had them, or they were being answered
  // and came back) moves to their new place.
  function joined(caller) {
    const list = lists.get(caller.queue);
    if (!list) return;
    const complete = list.total <= list.callers.length;
    const known = list.callers.findIndex((listed) => keyOf(listed) === keyOf(caller));
    if (known >= 0) list.callers.splice(known, 1);
    const index = placeOf(list.callers, caller, complete);
    if (index === UNPLACED) return reload(caller.queue);
    if (known < 0) list.total += 1;
    if (index !== HIDDEN) list.callers.splice(index, 0, caller);
    render(list);
  }

  function left(message) {
    const list = lists.get(message.queue);
    if (!list) return;
    const before = list.callers.length;
    const gone = keyOf(message);
    list.callers = list.callers.filter((caller) => keyOf(caller) !== gone);
    // A caller past the first 50 is not in the page, but was in the total.
    if (list.callers.length < before || list.total > list.callers.length) list.total -= 1;
    render(list);
    // One shown less, and more wait than are shown: the next is in the snapshot.
    if (list.callers.length < Math.min(list.total, data.limit)) reload(message.queue);
  }

  // queue.caller_updated: a caller offered, taken or waiting again; a queued
  // callback (kind "callback") offered, or no longer.
  function updated(message) {
    const list = lists.get(message.queue);
    if (!list) return;
    const known = list.callers.find((caller) => keyOf(caller) === keyOf(message));
    // Not listed: past the limit, or missed; only a snapshot can tell where.
    if (!known) return message.connected ? undefined : reload(message.queue);
    Object.assign(known, { offered: message.offered, connected: message.connected });
    render(list);
  }

  // callback.<status> (hotline.events.callback_changed, the API's view of it):
  // queued, it waits in its place; any other status, it has left the list.
  // Idempotent, as the callers' deltas: a second queued moves it to the same place.
  function callbackChanged(callback) {
    const entry = {
      kind: "callback",
      callback_id: callback.id,
      call_sid: null,
      queue: callback.queue,
      priority: callback.priority,
      crisis: callback.crisis,
      language: callback.language,
      case_reference: callback.case_reference,
      waiting_since: callback.waiting_since ?? callback.requested_at,
      requested_at: callback.requested_at,
      returned: false,
    };
    const list = lists.get(callback.queue);
    if (callback.status === "queued") {
      // Its offer, if one is open, is still open: only queue.caller_updated says otherwise.
      entry.offered = Boolean(list?.callers.find((listed) => keyOf(listed) === keyOf(entry))?.offered);
      return joined(entry);
    }
    if (!list || !list.callers.some((listed) => keyOf(listed) === keyOf(entry))) {
      // Not shown: past the limit (then counted in the total), or not waiting.
      if (list && list.total > list.callers.length) reload(callback.queue);
      return undefined;
    }
    return left(entry);
  }

  function setBusy(value) {
    busy = value;
    for (const list of lists.values()) render(list);
  }

  function tick() {
    for (const row of document.querySelectorAll("section.queue tbody tr[data-waiting-since]")) {
      row.querySelector(".waited").textContent = clock(secondsSince(row.dataset.waitingSince));
    }
  }

  return { queues: [...lists.keys()], snapshot, joined, left, updated, callbackChanged, setBusy, tick };
}
