// Single-key shortcuts for a page: keyed by the physical key (event.code), so
// they work in a Kazakh or Russian layout too; never while typing in a field,
// never with Ctrl, Alt or Meta, never on a held key's repeats.
//
//   shortcuts({ KeyA: accept, KeyH: hangUp }, { toggle: checkbox, hint: element });
//
// They can be turned off (WCAG 2.1.4): `toggle`, a checkbox, says whether they
// are on; the choice is remembered in this browser (localStorage) and, off, the
// keys do nothing, `hint` is hidden and the page's aria-keyshortcuts are taken
// away (markShortcuts applies the choice to elements added later).

const STORED = "hotline.shortcuts";

function typing(target) {
  return target.closest?.("input, select, textarea, [contenteditable]") != null;
}

function remembered() {
  try {
    return localStorage.getItem(STORED) !== "off";
  } catch {
    return true; // storage refused (a private window's policy): on, as by default
  }
}

let on = remembered();

// Off, an element's aria-keyshortcuts waits in data-keyshortcuts.
export function markShortcuts(root = document) {
  const [from, to] = on ? ["data-keyshortcuts", "aria-keyshortcuts"] : ["aria-keyshortcuts", "data-keyshortcuts"];
  for (const element of root.querySelectorAll(`[${from}]`)) {
    element.setAttribute(to, element.getAttribute(from));
    element.removeAttribute(from);
  }
}

export function shortcuts(actions, { toggle, hint } = {}) {
  function apply() {
    if (toggle) toggle.checked = on;
    if (hint) hint.hidden = !on;
    markShortcuts(document);
  }
  toggle?.addEventListener("change", () => {
    on = toggle.checked;
    try {
      localStorage.setItem(STORED, on ? "on" : "off");
    } catch {
      // Not remembered: the choice holds for this page.
    }
    apply();
  });
  apply();
  document.addEventListener("keydown", (event) => {
    if (!on || event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) return;
    const action = actions[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
