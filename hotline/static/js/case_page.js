// The case page (/cases/<reference>): the number revealed for a moment, a
// note added or corrected, the status moved, each through the case API
// (hotline/api/cases.py), the API's refusals told in the reader's language.
// After a note or a move the page is loaded again (the server renders the
// case); what was done is said once there (sessionStorage, this tab only).
// The whole number lives in the DOM for reveal_seconds, then the mask is back;
// it never reaches a URL, storage or the console.

import { post } from "./kit/api.js";
import { has, label, pageData } from "./kit/labels.js";
import { caseRefusal } from "./case_words.js";

const data = pageData();
const base = `/api/v1/cases/${encodeURIComponent(data.reference)}`;
const SAID = "hotline.case.said";
const say = (text) => (document.getElementById("case-say").textContent = text);

function show(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

// Said after the page is loaded again, then forgotten.
function sayAfterReload(text, hash = "") {
  try {
    sessionStorage.setItem(SAID, text);
  } catch {
    // Storage refused: the page shows the result without the sentence.
  }
  history.replaceState(null, "", `${location.pathname}${hash}`);
  location.reload();
}

function sayWhatWasDone() {
  try {
    const text = sessionStorage.getItem(SAID);
    sessionStorage.removeItem(SAID);
    if (text) say(text);
  } catch {
    // Nothing kept.
  }
}

function reveal() {
  const button = document.getElementById("reveal");
  const number = document.getElementById("case-number");
  if (!button) return;
  let timer = null;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await post(`${base}/reveal`);
      number.textContent = answer.number;
      number.dataset.revealed = "true";
      say(label("revealing"));
      clearTimeout(timer);
      timer = setTimeout(() => {
        number.textContent = number.dataset.masked;
        delete number.dataset.revealed;
        button.disabled = false;
        say(label("hidden_again"));
      }, data.reveal_seconds * 1000);
    } catch (error) {
      button.disabled = false;
      say(caseRefusal(error));
    }
  });
}

function notes() {
  const form = document.getElementById("note-form");
  const body = document.getElementById("note-body");
  const corrects = document.getElementById("note-corrects");
  const correcting = document.getElementById("note-correcting");
  const problem = document.getElementById("note-error");

  function correct(button) {
    corrects.value = button.dataset.noteId;
    document.getElementById("note-correcting-text").textContent = label("correcting", { when: button.dataset.when });
    correcting.hidden = false;
    body.focus();
  }
  for (const button of document.querySelectorAll(".note-correct")) {
    button.addEventListener("click", () => correct(button));
  }
  document.getElementById("note-correct-cancel").addEventListener("click", () => {
    corrects.value = "";
    correcting.hidden = true;
    body.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(problem, "");
    const note = { body: body.value };
    if (corrects.value) note.corrects = Number(corrects.value);
    const button = document.getElementById("note-save");
    button.disabled = true;
    try {
      const added = await post(`${base}/notes`, note);
      sayAfterReload(label("saved_note"), `#note-${added.id}`);
    } catch (error) {
      button.disabled = false;
      show(problem, caseRefusal(error));
      body.focus();
    }
  });
}

function status() {
  const form = document.getElementById("status-form");
  if (!form) return;
  const to = document.getElementById("status-to");
  const resolving = document.getElementById("resolving");
  const problem = document.getElementById("status-error");
  const showResolving = () => resolving && (resolving.hidden = to.value !== "resolved");
  to.addEventListener("change", showResolving);
  showResolving();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(problem, "");
    const move = { status: to.value };
    if (to.value === "resolved") {
      const outcome = document.getElementById("status-outcome").value;
      const category = document.getElementById("status-category").value;
      if (outcome) move.outcome = outcome;
      if (category) move.category = category;
    }
    const button = document.getElementById("status-save");
    button.disabled = true;
    try {
      const moved = await post(`${base}/status`, move);
      const named = has(`statuses.${moved.status}`) ? label(`statuses.${moved.status}`) : moved.status;
      sayAfterReload(`${label("saved_status")} ${named}`);
    } catch (error) {
      button.disabled = false;
      show(problem, caseRefusal(error));
    }
  });
}

sayWhatWasDone();
reveal();
notes();
status();
