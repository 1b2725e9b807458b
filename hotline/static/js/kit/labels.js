// The page's words, translated on the server: one registry, read through label().
//
// The page renders its data as <script type="application/json" class="page-data">
// (Jinja, in the user's language); its `labels` hold every word a script shows,
// by the names the templates use (templates/labels.html: queue_label,
// language_label, role_label read the same registry, hotline/console/labels.py).
//
//   label("take_named", { place: 3 })   // "Take caller 3"
//   label("errors.404")                 // a dotted name reaches into a group
//   queueLabel("legal"); languageLabel("kk"); languageLabel(null)  // "not chosen"

let data = null;

// The page's data block, parsed once.
export function pageData() {
  data ??= JSON.parse(document.querySelector('script[type="application/json"].page-data').textContent);
  return data;
}

// The word for `name`, {placeholders} filled from `values`; the name itself if
// the registry has none, so a missing word shows, and is found, rather than breaking the page.
export function label(name, values = {}) {
  const found = name.split(".").reduce((group, part) => group?.[part], pageData().labels);
  if (typeof found !== "string") return found ?? name;
  return found.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

export function has(name) {
  return name.split(".").reduce((group, part) => group?.[part], pageData().labels) !== undefined;
}

export function queueLabel(code) {
  return has(`queues.${code}`) ? label(`queues.${code}`) : code ?? "—";
}

export function languageLabel(code) {
  if (!code) return label("no_language");
  return has(`languages.${code}`) ? label(`languages.${code}`) : code;
}

// A count in the page's language: `name` is a group of CLDR plural forms
// (one, few, many, other), each with {n}.
export function countLabel(name, n) {
  const form = new Intl.PluralRules(pageData().locale).select(n);
  return label(has(`${name}.${form}`) ? `${name}.${form}` : `${name}.other`, { n });
}

// What to tell the user about an ApiError (kit/api.js): the page's word for its
// status (errors.404 …), or errors.other.
export function errorLabel(error) {
  const name = `errors.${error?.status}`;
  return has(name) ? label(name) : label("errors.other");
}
