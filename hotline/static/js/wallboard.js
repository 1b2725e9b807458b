// The wallboard (templates/wallboard/wallboard.html): every queue's live figures
// and the open imminent-risk alerts, for a wall screen. kit/live.js loads
// GET /api/v1/stats/live on every (re)connect; then `wallboard.queue` (one
// queue's figures, at most once a second per queue) and `risk.alert` /
// `risk.acknowledged` keep it current. The longest wait ticks every second by
// the server's clock (kit/clock.js) between events. A queue is red when its
// longest wait passes the page's threshold or today's service level is under
// its target. Nothing to click; no number, no note.

import { get } from "./kit/api.js";
import { clock, now } from "./kit/clock.js";
import { errorLabel, label, pageData, queueLabel } from "./kit/labels.js";
import { live } from "./kit/live.js";

const data = pageData();
const liveState = document.getElementById("live-state");
const alertList = document.getElementById("alerts");
const noAlert = document.getElementById("no-alert");
const shownTime = new Intl.DateTimeFormat(data.locale, {
  timeZone: data.timezone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
// Per queue: when its longest-waiting caller started waiting (server clock, ms), or null.
const oldest = new Map();

function rate(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10}%`;
}

function seconds(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 10) / 10} ${label("seconds")}`;
}

function figure(card, name) {
  return card.querySelector(`[data-figure="${name}"]`);
}

function longestWait(queue) {
  const since = oldest.get(queue);
  return since === null || since === undefined ? 0 : Math.max(0, Math.floor((now() - since) / 1000));
}

function paint(card) {
  const queue = card.dataset.queue;
  const waited = longestWait(queue);
  figure(card, "longest_wait_seconds").textContent = clock(waited);
  const level = card.dataset.serviceLevel === "" ? null : Number(card.dataset.serviceLevel);
  const alarm = waited > data.threshold_seconds || (level !== null && level < data.target);
  card.dataset.alarm = String(alarm);
  card.querySelector(".alarm-word").hidden = !alarm;
}

function showQueue(figures) {
  const card = document.getElementById(`board-${figures.queue}`);
  if (!card) return;
  oldest.set(figures.queue, figures.waiting ? now() - figures.longest_wait_seconds * 1000 : null);
  for (const name of ["waiting", "available", "busy", "wrap_up", "away", "callbacks_queued", "callbacks_overdue"]) {
    figure(card, name).textContent = String(figures[name]);
  }
  figure(card, "service_level_today").textContent = rate(figures.service_level_today);
  figure(card, "abandon_rate_today").textContent = rate(figures.abandon_rate_today);
  figure(card, "average_speed_of_answer_today").textContent = seconds(figures.average_speed_of_answer_today);
  card.dataset.serviceLevel = figures.service_level_today ?? "";
  paint(card);
}

function alertItem(alert) {
  const item = document.createElement("li");
  item.className = "alert";
  item.dataset.alertId = String(alert.alert_id);
  for (const [name, text] of [["case", alert.case_reference], ["queue", queueLabel(alert.queue)]]) {
    const part = document.createElement("span");
    part.className = name;
    part.textContent = text;
    item.append(part, " ");
  }
  const raised = document.createElement("time");
  raised.dateTime = alert.raised_at;
  raised.textContent = shownTime.format(new Date(alert.raised_at));
  const acknowledged = document.createElement("span");
  acknowledged.className = "ack";
  item.append(raised, " ", acknowledged);
  showAcknowledged(item, alert.acknowledged);
  return item;
}

function showAcknowledged(item, acknowledged) {
  item.dataset.acknowledged = String(acknowledged);
  item.querySelector(".ack").textContent = label(acknowledged ? "acknowledged" : "not_acknowledged");
}

function showAlerts(alerts) {
  alertList.replaceChildren(...alerts.map(alertItem));
  noAlert.hidden = alerts.length > 0;
}

function alertRaised(message) {
  if (alertList.querySelector(`[data-alert-id="${message.alert_id}"]`)) return;
  alertList.append(alertItem({ ...message, acknowledged: false }));
  noAlert.hidden = true;
}

function alertAcknowledged(message) {
  const item = alertList.querySelector(`[data-alert-id="${message.alert_id}"]`);
  if (item) showAcknowledged(item, true);
}

function showState(state) {
  liveState.dataset.state = state;
  liveState.textContent = state === "offline" ? label("offline") : label("live");
}

const socket = window.io();
const page = live(socket, {
  onState: showState,
  onError: (error) => {
    liveState.dataset.state = "error";
    liveState.textContent = errorLabel(error);
  },
});
page.source("wallboard", async () => {
  const snapshot = await get("/api/v1/stats/live");
  for (const figures of snapshot.queues) showQueue(figures);
  showAlerts(snapshot.alerts);
});
page.on("wallboard.queue", "wallboard", showQueue);
page.on("risk.alert", "wallboard", alertRaised);
page.on("risk.acknowledged", "wallboard", alertAcknowledged);

// The page as rendered: each queue's oldest caller from its longest wait.
for (const card of document.querySelectorAll(".board-queue")) {
  const waitedCell = figure(card, "longest_wait_seconds");
  const waited = Number(waitedCell.dataset.seconds);
  oldest.set(card.dataset.queue, Number(figure(card, "waiting").textContent) ? now() - waited * 1000 : null);
}
setInterval(() => document.querySelectorAll(".board-queue").forEach(paint), 1000);
