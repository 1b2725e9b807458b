// Single-key shortcuts for a page: keyed by the physical key (event.code), so
// they work in a Kazakh or Russian layout too; never while typing in a field,
// never with Ctrl, Alt or Meta, never on a held key's repeats.
//
//   shortcuts({ KeyA: accept, KeyH: hangUp });

function typing(target) {
  return target.closest?.("input, select, textarea, [contenteditable]") != null;
}

export function shortcuts(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) return;
    const action = actions[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
