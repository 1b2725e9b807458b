// The caller's case on the console's desk, from the moment an offer arrives
// and while the operator talks (and wraps up): reference (a link to the case
// page), status, risk, earlier calls (date, queue, outcome, who answered), the
// last notes, open callbacks, and a note written during the call.
// It reads GET /api/v1/cases/<reference>, an audited view (case.viewed), once
// per case shown; a note goes to POST …/notes. Notes are set as text, never HTML.

import { get, post } from "./kit/api.js";
import { has, label, pageData, queueLabel } from "./kit/labels.js";
import { caseRefusal } from "./case_words.js";

const LAST_NOTES = 3;
const WORDS = "case_panel";

function word(name, values) {
  return label(`${WORDS}.${name}`, values);
}

function coded(group, code) {
  return has(`${WORDS}.${group}.${code}`) ? word(`${group}.${code}`) : code ?? "—";
}

function item(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

export function casePanel() {
  const data = pageData();
  const panel = document.getElementById("case-panel");
  const link = document.getElementById("case-panel-link");
  const callsTable = document.getElementById("case-panel-calls");
  const notesList = document.getElementById("case-panel-notes");
  const callbacksList = document.getElementById("case-panel-callbacks");
  const form = document.getElementById("case-panel-note");
  const body = document.getElementById("case-panel-note-body");
  const status = document.getElementById("case-panel-said");
  const dated = new Intl.DateTimeFormat(data.locale, {
    timeZone: data.timezone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  });
  const when = (iso) => (iso ? dated.format(new Date(iso)) : "—");
  let reference = null; // the case shown (or being loaded)
  let callSid = null; // the call on the desk: not one of the "earlier" calls
  let shown = null; // the case's view, as the API answered it

  // A list (or table) filled with `items`, or its "-empty" sentence instead.
  function list(element, items, render) {
    (element.tBodies?.[0] ?? element).replaceChildren(...items.map(render));
    element.hidden = items.length === 0;
    document.getElementById(`${element.id}-empty`).hidden = items.length !== 0;
  }

  function render() {
    const view = shown;
    link.textContent = view.reference;
    link.href = `/cases/${encodeURIComponent(view.reference)}`;
    document.getElementById("case-panel-status").textContent = coded("statuses", view.status);
    const risk = document.getElementById("case-panel-risk");
    risk.textContent = coded("risks", view.risk_level);
    risk.dataset.risk = view.risk_level;
    const earlier = view.calls.filter((call) => call.call_sid !== callSid);
    list(callsTable, earlier, (call) => {
      const row = document.createElement("tr");
      row.append(
        item("td", when(call.started_at)),
        item("td", queueLabel(call.queue)),
        item("td", call.outcome ? `${coded("outcomes", call.outcome)}, ${coded("categories", call.category)}` : "—"),
        item("td", call.operator ?? word("nobody")),
      );
      return row;
    });
    const notes = view.notes.slice(-LAST_NOTES).reverse();
    list(notesList, notes, (note) => {
      const entry = document.createElement("li");
      entry.className = note.corrected_by ? "note corrected" : "note";
      entry.append(item("p", `${when(note.created_at)} · ${note.author}`, "note-meta"));
      const text = item(note.corrected_by ? "s" : "span", note.body);
      const paragraph = item("p", "", "note-body");
      paragraph.append(text);
      entry.append(paragraph);
      return entry;
    });
    list(callbacksList, view.callbacks, (callback) =>
      item("li", `${coded("callbacks", callback.status)} · ${queueLabel(callback.queue)} · ${when(callback.due_at)}`),
    );
  }

  async function load(wanted) {
    try {
      const view = await get(`/api/v1/cases/${encodeURIComponent(wanted)}`);
      if (reference !== wanted) return; // another case is on the desk meanwhile
      shown = view;
      render();
      panel.hidden = false;
    } catch (error) {
      if (reference !== wanted) return;
      panel.hidden = true;
      document.getElementById("desk-status").textContent = word("unreadable");
      console.warn(`case panel: ${error.status}`);
    }
  }

  // `on`: the desk's call or first offer (case_reference, call_sid), or null.
  function follow(on) {
    const wanted = on?.case_reference ?? null;
    callSid = on?.call_sid ?? null;
    if (wanted === reference) {
      if (shown) render();
      return;
    }
    reference = wanted;
    shown = null;
    status.textContent = "";
    if (!wanted) {
      panel.hidden = true;
      return;
    }
    load(wanted);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!shown) return;
    const of = shown.reference;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const added = await post(`/api/v1/cases/${encodeURIComponent(of)}/notes`, { body: body.value });
      if (shown?.reference === of) {
        shown.notes.push({
          id: added.id, body: body.value, author: data.username, created_at: new Date().toISOString(),
          corrects: null, corrected_by: null,
        });
        render();
      }
      body.value = "";
      status.textContent = word("note_added");
    } catch (error) {
      status.textContent = caseRefusal(error, `${WORDS}.`);
    } finally {
      button.disabled = false;
    }
  });

  return { follow };
}
