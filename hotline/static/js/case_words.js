// The case API's refusals in the reader's language, for the case page and the
// console's case panel. The API's messages are English (its contract); the
// ones a person can act on are recognised by what the contract says they
// name: a 400 names the field, a refused move's 409 both statuses' codes.
// The page's labels give the words (hotline/casepage/views.py, console/views.py).

import { errorLabel, has, label } from "./kit/labels.js";

const MOVE = /^a case that is (\w+) cannot become (\w+)$/;
const FIELD = /field\(s\): (\w+)/;

function statusLabel(words, code) {
  return has(`${words}statuses.${code}`) ? label(`${words}statuses.${code}`) : code;
}

// `words`: where the page keeps these labels ("" or a group's name and a dot).
export function caseRefusal(error, words = "") {
  const message = error?.message ?? "";
  if (error?.status === 400) {
    const field = FIELD.exec(message)?.[1];
    if (field && has(`${words}needs.${field}`)) return label(`${words}needs.${field}`);
  }
  if (error?.status === 409) {
    const moved = MOVE.exec(message);
    if (moved) {
      const [current, to] = [statusLabel(words, moved[1]), statusLabel(words, moved[2])];
      return label(`${words}moved_refused`, { current, to });
    }
    if (message.includes("another active case")) return label(`${words}another_active`);
    if (message.includes("corrected already")) return label(`${words}corrected_already`);
  }
  return errorLabel(error);
}
