// A keyed list patched in place, not rebuilt: rows are updated, inserted,
// removed and reordered by key, so the row that holds the keyboard's focus
// (a Take button) is never taken out of the document and keeps it.
//
//   patchList(tbody, callers, {
//     key: (caller) => caller.call_sid,     // each element carries it as data-key
//     create: (caller) => newRow(caller),   // a new element, for a key not shown yet
//     update: (row, caller, index) => …,    // every element, new or kept, each time
//   });

export function patchList(parent, items, { key, create, update }) {
  const shown = new Map([...parent.children].map((element) => [element.dataset.key, element]));
  const wanted = items.map((item, index) => {
    const id = String(key(item));
    let element = shown.get(id);
    if (!element) {
      element = create(item);
      element.dataset.key = id;
    }
    update(element, item, index);
    return element;
  });
  const keep = new Set(wanted);
  for (const element of shown.values()) if (!keep.has(element)) element.remove();
  // Moving an element blurs what it holds: the focused one stays, the others
  // move around it.
  const anchor = wanted.find((element) => element.contains(document.activeElement));
  let cursor = parent.firstElementChild;
  for (const element of wanted) {
    if (element === anchor) cursor = anchor.nextElementSibling;
    else if (element === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(element, cursor);
  }
}
