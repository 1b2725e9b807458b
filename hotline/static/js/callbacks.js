// The console's callbacks panel: the open callbacks of the operator's queues
// (supervisors: all) and those closed today, as GET /api/v1/callbacks lists
// them, kept live by the callback.* events (each carries the API's view of the
// callback: kit/live.js's source "callbacks", snapshot then deltas, so a delta
// is an upsert by id; a callback accepted leaves its queue's list by
// queue.caller_left with kind "callback", and is shown being dialled). Before anyone dials one (scheduled, queued) it can be
// cancelled (after a confirm step) or moved to another time (a datetime-local
// input read in the hotline's time zone). The number shows only as its last
// two digits; errors in the user's words (kit/labels.js errorLabel).
// Two filters (the page's <select>s: a status as the panel shows it, overdue
// too, and a queue) narrow what is shown of what the panel holds, here in the
// page: the panel still holds every callback and every event, so a filter
// changed shows the rows it matches at once, and an event for a row the
// filters hide keeps it hidden.

import { get, post } from "./kit/api.js";
import { now } from "./kit/clock.js";
import { errorLabel, label, pageData, queueLabel } from "./kit/labels.js";
import { patchList } from "./kit/patch.js";

const BEFORE_DIALLING = new Set(["scheduled", "queued"]);
const OPEN = new Set(["scheduled", "queued", "dialling"]);
const data = pageData();
// Due and not yet dialled for this long: overdue (hotline.callbacks.listing.OVERDUE_AFTER).
const OVERDUE_MS = data.callbacks_overdue_seconds * 1000;
const shownTime = new Intl.DateTimeFormat(data.locale, {
  timeZone: data.timezone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

// The wall-clock parts of `ms` in the hotline's zone, as a UTC timestamp.
const zoneParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: data.timezone, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});
function asWallClock(ms) {
  const part = Object.fromEntries(zoneParts.formatToParts(new Date(ms)).map(({ type, value }) => [type, value]));
  return Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
}

// "2026-12-03T14:30" (a datetime-local value, the hotline's local time) as ISO
// 8601 in UTC; null when unreadable.
export function zonedMoment(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value ?? "");
  if (!match) return null;
  const [, year, month, day, hour, minute] = match.map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall;
  for (let i = 0; i < 2; i += 1) guess = wall - (asWallClock(guess) - guess);
  return new Date(guess).toISOString();
}

// A moment as a datetime-local value in the hotline's zone.
export function localInput(ms) {
  return new Date(asWallClock(ms)).toISOString().slice(0, 16);
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function button(text, className, onClick) {
  const made = element("button", className, text);
  made.type = "button";
  made.addEventListener("click", onClick);
  return made;
}

export function callbacksPanel() {
  const section = document.getElementById("callbacks");
  const table = document.getElementById("callbacks-table");
  const body = table.querySelector("tbody");
  const empty = document.getElementById("callbacks-empty");
  const status = document.getElementById("callbacks-status");
  const unmatched = document.getElementById("callbacks-unmatched");
  const statusFilter = document.getElementById("callbacks-filter-status");
  const queueFilter = document.getElementById("callbacks-filter-queue");
  const callbacks = new Map(); // id -> the API's view
  const actions = new Map(); // id -> "confirm" | "reschedule", the row's open step
  const say = (text) => (status.textContent = text);

  function overdue(callback) {
    return BEFORE_DIALLING.has(callback.status) && Date.parse(callback.due_at) < now() - OVERDUE_MS;
  }

  function attemptsText(callback) {
    if (!callback.attempts.length) return label("callbacks.no_attempts");
    return callback.attempts
      .map((attempt) => label("callbacks.attempt", {
        number: attempt.number,
        outcome: attempt.outcome ? label(`callbacks.outcomes.${attempt.outcome}`) : label("callbacks.outcomes.pending"),
      }))
      .join("; ");
  }

  function newRow(callback) {
    const row = element("tr");
    row.dataset.callbackId = String(callback.id);
    const statusCell = element("td", "status");
    statusCell.append(element("span", "badge status"), element("span", "badge overdue", label("callbacks.overdue")));
    const due = element("td", "due");
    due.append(element("time"));
    row.append(
      statusCell,
      element("td", "queue-name"),
      due,
      element("td", "number"),
      element("td", "attempts"),
      element("td", "case"),
      element("td", "actions"),
    );
    return row;
  }

  function fill(row, callback) {
    row.dataset.status = callback.status;
    row.querySelector(".badge.status").textContent = label(`callbacks.statuses.${callback.status}`);
    row.querySelector(".badge.overdue").hidden = !overdue(callback);
    row.querySelector(".queue-name").textContent = queueLabel(callback.queue);
    const time = row.querySelector(".due time");
    time.dateTime = callback.due_at ?? "";
    time.textContent = callback.due_at ? shownTime.format(new Date(callback.due_at)) : "—";
    row.querySelector(".number").textContent = callback.masked_number ?? "—";
    row.querySelector(".attempts").textContent = attemptsText(callback);
    row.querySelector(".case").textContent = callback.case_reference ?? "—";
    fillActions(row.querySelector(".actions"), callback);
  }

  // The row's buttons: Cancel and Reschedule, or the step one of them opened.
  // Rebuilt only when what they should be changes, so focus stays put.
  function fillActions(cell, callback) {
    const step = BEFORE_DIALLING.has(callback.status) ? actions.get(callback.id) ?? "none" : "closed";
    if (cell.dataset.step === step) return;
    cell.dataset.step = step;
    const place = callback.case_reference ?? String(callback.id);
    if (step === "closed") return cell.replaceChildren();
    if (step === "confirm") {
      // Its name is its text, after the row's question (axe: label-content-name-mismatch).
      const sure = button(label("callbacks.confirm_cancel"), "danger confirm-cancel", () => cancel(callback.id));
      const keep = button(label("callbacks.keep"), "keep", () => close(callback.id));
      cell.replaceChildren(element("span", "question", label("callbacks.sure")), sure, keep);
      sure.focus();
      return undefined;
    }
    if (step === "reschedule") {
      const form = element("form", "reschedule");
      const id = `reschedule-${callback.id}`;
      const input = element("input");
      Object.assign(input, { type: "datetime-local", id, name: "due_at", required: true });
      input.value = localInput(Math.max(Date.parse(callback.due_at) || now(), now()));
      const inputLabel = element("label", null, label("callbacks.new_time"));
      inputLabel.htmlFor = id;
      const save = element("button", "save-reschedule", label("callbacks.save_time"));
      save.type = "submit";
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        reschedule(callback.id, input.value);
      });
      form.append(inputLabel, input, save, button(label("callbacks.keep"), "keep", () => close(callback.id)));
      cell.replaceChildren(form);
      input.focus();
      return undefined;
    }
    const cancelButton = button(label("callbacks.cancel"), "cancel", () => open(callback.id, "confirm"));
    cancelButton.setAttribute("aria-label", label("callbacks.cancel_named", { case: place }));
    const moveButton = button(label("callbacks.reschedule"), "move", () => open(callback.id, "reschedule"));
    moveButton.setAttribute("aria-label", label("callbacks.reschedule_named", { case: place }));
    cell.replaceChildren(cancelButton, moveButton);
    return undefined;
  }

  // Whether the filters' choice shows `callback`: "all", "open", "overdue" or a status.
  function matches(callback) {
    if (queueFilter.value && callback.queue !== queueFilter.value) return false;
    const wanted = statusFilter.value;
    if (wanted === "all") return true;
    if (wanted === "open") return OPEN.has(callback.status);
    if (wanted === "overdue") return overdue(callback);
    return callback.status === wanted;
  }

  function render() {
    const shown = [...callbacks.values()].filter(matches).sort((a, b) => (OPEN.has(b.status) - OPEN.has(a.status))
      || (Date.parse(a.due_at) || 0) - (Date.parse(b.due_at) || 0) || a.id - b.id);
    patchList(body, shown, { key: (callback) => callback.id, create: newRow, update: fill });
    table.hidden = shown.length === 0;
    empty.hidden = callbacks.size > 0;
    unmatched.hidden = shown.length > 0 || callbacks.size === 0;
  }

  function open(id, step) {
    actions.set(id, step);
    say("");
    render();
  }

  function close(id) {
    actions.delete(id);
    render();
    body.querySelector(`tr[data-callback-id="${id}"] .actions button`)?.focus();
  }

  async function act(id, path, payload, done) {
    try {
      changed(await post(`/api/v1/callbacks/${id}/${path}`, payload));
      actions.delete(id);
      render();
      say(done);
      // The filters hide it now (cancelled, or moved out of "overdue"): focus stays in the panel.
      if (!body.querySelector(`tr[data-callback-id="${id}"]`)) statusFilter.focus();
    } catch (error) {
      say(errorLabel(error));
    }
  }

  const cancel = (id) => act(id, "cancel", {}, label("callbacks.cancelled"));

  function reschedule(id, value) {
    const dueAt = zonedMoment(value);
    if (!dueAt) return say(label("callbacks.bad_time"));
    return act(id, "reschedule", { due_at: dueAt }, label("callbacks.rescheduled"));
  }

  // The snapshot: every page of GET /api/v1/callbacks.
  async function load() {
    const items = [];
    let after = null;
    do {
      const page = await get(`/api/v1/callbacks${after === null ? "" : `?after=${after}`}`);
      items.push(...page.items);
      after = page.next;
    } while (after !== null && after !== undefined);
    callbacks.clear();
    for (const callback of items) callbacks.set(callback.id, callback);
    render();
  }

  // callback.<name>: the API's view of one callback (an event from the list's
  // return carries no case reference: the one known is kept).
  function changed(callback) {
    const known = callbacks.get(callback.id);
    callbacks.set(callback.id, { ...callback, case_reference: callback.case_reference ?? known?.case_reference ?? null });
    render();
  }

  // queue.caller_left of a callback (hotline.events.callback_left): accepted,
  // being dialled now; its next callback.* event tells the rest.
  function left(message) {
    const known = callbacks.get(message.callback_id);
    if (message.kind !== "callback" || known?.status !== "queued") return;
    changed({ ...known, status: "dialling" });
  }

  function tick() {
    // A callback falls overdue as time passes: one the filter waits for joins it then.
    if (statusFilter.value === "overdue") render();
    for (const row of body.querySelectorAll("tr[data-callback-id]")) {
      const callback = callbacks.get(Number(row.dataset.callbackId));
      if (callback) row.querySelector(".badge.overdue").hidden = !overdue(callback);
    }
  }

  for (const filter of [statusFilter, queueFilter]) filter.addEventListener("change", render);
  section.hidden = false;
  return { load, changed, left, tick };
}
