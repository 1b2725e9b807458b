// The operator's presence on the console: shown, chosen here (available or
// away, softphone or own phone: PUT /api/v1/me/presence), and followed from
// their other tabs (presence.changed). onChange(presence) tells the page.

import { get, put } from "./kit/api.js";
import { label, pageData } from "./kit/labels.js";

export function presence({ onChange }) {
  const data = pageData();
  const state = document.getElementById("presence");
  const error = document.getElementById("presence-error");
  const chooseButtons = document.querySelectorAll("button[data-choose]");
  const deviceInputs = document.querySelectorAll('input[name="device"]');

  function show(presence, device) {
    state.dataset.presence = presence;
    state.textContent = label(`presence.${presence}`);
    const chosen = presence === "available" || presence === "away";
    for (const button of chooseButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.choose === presence));
      button.disabled = !chosen;
    }
    for (const input of deviceInputs) {
      input.checked = input.value === device;
      input.disabled = !chosen;
    }
    onChange(presence);
  }

  async function choose(presence, device) {
    error.hidden = true;
    try {
      const me = await put(data.presence.url, device ? { presence, device } : { presence });
      show(me.presence, me.device);
    } catch {
      error.textContent = label("presence_failed");
      error.hidden = false;
    }
  }

  const chosenDevice = () => [...deviceInputs].find((input) => input.checked)?.value;
  for (const button of chooseButtons) {
    button.addEventListener("click", () => choose(button.dataset.choose, chosenDevice()));
  }
  for (const input of deviceInputs) {
    input.addEventListener("change", () => choose(state.dataset.presence, input.value));
  }

  return {
    load: async () => {
      const me = await get("/api/v1/me");
      show(me.presence, me.device);
    },
    // The user room carries only this user's changes; supervisors also hear everyone's.
    changed: (message) => message.username === data.username && show(message.presence, message.device),
  };
}
