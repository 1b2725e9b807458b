// The wrap-up form of the operator's call: an outcome and a category from
// GET /api/v1/taxonomy (both required), an optional note, saved with
// POST /api/v1/calls/<sid>/wrap-up; and, when the call has a case, an optional
// "call the person back at …": once the wrap-up is saved, POST
// /api/v1/cases/<reference>/callbacks with that time (the hotline's, as the
// callbacks panel reads it) and this operator, so they are asked first.

import { get, post } from "./kit/api.js";
import { localInput, zonedMoment } from "./callbacks.js";
import { now } from "./kit/clock.js";
import { errorLabel, label, pageData } from "./kit/labels.js";

const HOUR_MS = 3600 * 1000;

// current(): the desk's call; saved(sid, text): the wrap-up of `sid` is saved
// (text: what to tell of the callback asked for, if one was).
export function wrapUpForm({ current, saved, refused }) {
  const form = document.getElementById("wrap-up");
  const error = document.getElementById("wrap-up-error");
  const outcome = document.getElementById("outcome");
  const category = document.getElementById("category");
  const note = document.getElementById("note");
  const callBack = document.getElementById("call-back");
  const wanted = document.getElementById("call-back-wanted");
  const at = document.getElementById("call-back-at");
  let taxonomy = null;
  wanted.addEventListener("change", () => {
    at.disabled = !wanted.checked;
    if (wanted.checked) at.focus();
  });

  function fill(select, codes) {
    const choose = new Option(label("choose"), "");
    select.replaceChildren(choose, ...codes.map(({ code, label: text }) => new Option(text, code)));
  }

  async function open(call) {
    if (!taxonomy) {
      try {
        taxonomy = await get("/api/v1/taxonomy");
      } catch (failure) {
        return refused(failure);
      }
      fill(outcome, taxonomy.outcomes);
      fill(category, taxonomy.categories);
    }
    if (form.dataset.callSid !== call.call_sid) {
      form.dataset.callSid = call.call_sid;
      form.reset();
      error.hidden = true;
      callBack.hidden = !call.case_reference;
      at.disabled = true;
      at.value = localInput(now() + HOUR_MS);
      at.removeAttribute("aria-invalid");
      outcome.focus();
    }
  }

  function show(text) {
    error.textContent = text;
    error.hidden = false;
  }

  async function save(event) {
    event.preventDefault();
    const call = current();
    if (!call || call.state !== "wrap_up") return;
    const missing = [outcome, category].filter((select) => !select.value);
    for (const select of [outcome, category]) select.setAttribute("aria-invalid", String(missing.includes(select)));
    if (missing.length) {
      show(label("required"));
      missing[0].focus();
      return;
    }
    const asked = !callBack.hidden && wanted.checked;
    const dueAt = asked ? zonedMoment(at.value) : null;
    at.setAttribute("aria-invalid", String(asked && !dueAt));
    if (asked && !dueAt) {
      show(label("call_back_time"));
      at.focus();
      return;
    }
    error.hidden = true;
    const sid = call.call_sid;
    const reference = call.case_reference;
    try {
      await post(`/api/v1/calls/${sid}/wrap-up`, {
        outcome: outcome.value, category: category.value, note: note.value.trim() || null,
      });
    } catch (failure) {
      show(errorLabel(failure));
      return;
    }
    saved(sid, asked ? await askCallBack(reference, dueAt) : null);
  }

  // The wrap-up is saved: the callback asked for, or why not (in the desk's words).
  async function askCallBack(reference, dueAt) {
    const data = pageData();
    const body = { due_at: dueAt };
    if (data.role === "operator") body.operator = data.username;
    try {
      await post(`/api/v1/cases/${encodeURIComponent(reference)}/callbacks`, body);
      return label("call_back_asked");
    } catch (failure) {
      return label("call_back_failed", { error: errorLabel(failure) });
    }
  }

  form.addEventListener("submit", save);
  return { open };
}
