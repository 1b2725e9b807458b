// The wrap-up form of the operator's call: an outcome and a category from
// GET /api/v1/taxonomy (both required), an optional note, saved with
// POST /api/v1/calls/<sid>/wrap-up.

import { get, post } from "./kit/api.js";
import { errorLabel, label } from "./kit/labels.js";

// current(): the desk's call; saved(sid): the wrap-up of `sid` is saved.
export function wrapUpForm({ current, saved, refused }) {
  const form = document.getElementById("wrap-up");
  const error = document.getElementById("wrap-up-error");
  const outcome = document.getElementById("outcome");
  const category = document.getElementById("category");
  const note = document.getElementById("note");
  let taxonomy = null;

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
    error.hidden = true;
    const sid = call.call_sid;
    try {
      await post(`/api/v1/calls/${sid}/wrap-up`, {
        outcome: outcome.value, category: category.value, note: note.value.trim() || null,
      });
      saved(sid);
    } catch (failure) {
      show(errorLabel(failure));
    }
  }

  form.addEventListener("submit", save);
  return { open };
}
