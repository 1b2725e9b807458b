// Time as the live pages tell it: the server's clock (the page carries its
// `server_time`, so a wrong clock on the operator's computer changes nothing),
// and durations as the console ticks them: 4:07, 1:02:03.

import { pageData } from "./labels.js";

// The server wrote server_time just before the page's first byte left it, so it
// is compared with the moment that byte arrived, not with the moment this
// module ran: on a busy machine scripts run seconds later, and every timer
// would lag by that much.
function pageArrived() {
  const [navigation] = performance.getEntriesByType("navigation");
  const origin = Date.now() - performance.now();
  return navigation ? origin + navigation.responseStart : Date.now();
}

const offset = Date.parse(pageData().server_time) - pageArrived() || 0;

// Now, in milliseconds, by the server's clock.
export function now() {
  return Date.now() + offset;
}

export function secondsSince(iso) {
  return (now() - Date.parse(iso)) / 1000;
}

export function secondsUntil(iso) {
  return (Date.parse(iso) - now()) / 1000;
}

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const [hours, minutes, rest] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${minutes}:${pad(rest)}`;
}
