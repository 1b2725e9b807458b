// The console's call desk: offers (accept, decline, a countdown), taking a caller
// from the list, the live call (timer, mute, hang up, transfer) and its wrap-up.
// Driven by offer.created / offer.withdrawn / operator.call and the softphone;
// on (re)connect GET /api/v1/me/call restores a call in progress or in wrap-up.
// Keys: A accept, D decline, H hang up, M mute, never while typing in a field.

import { softphone } from "./softphone.js";

export function startDesk({ data, socket, csrfToken, clock, clockOffset }) {
  const labels = data.labels;
  const status = document.getElementById("desk-status");
  const offersBox = document.getElementById("offers");
  const offerTemplate = document.getElementById("offer-template");
  const panel = document.getElementById("call");
  const callState = document.getElementById("call-state");
  const timer = document.getElementById("call-timer");
  const muteButton = document.getElementById("mute");
  const hangUpButton = document.getElementById("hang-up");
  const transferForm = document.getElementById("transfer");
  const transferQueue = document.getElementById("transfer-queue");
  const transferButton = document.getElementById("transfer-button");
  const wrapUp = document.getElementById("wrap-up");
  const wrapUpLeft = document.getElementById("wrap-up-left");
  const wrapUpError = document.getElementById("wrap-up-error");
  const outcome = document.getElementById("outcome");
  const category = document.getElementById("category");
  const note = document.getElementById("note");
  const now = () => Date.now() + clockOffset;

  const offers = new Map(); // offer_id -> { offer, element }
  let call = null; // the operator's call: the operator.call message, merged
  let device = null;
  let ringing = null; // the softphone's incoming call, until accepted or ended
  let muted = false;
  let savedCall = null; // the call whose wrap-up this page saved: its "done" says so

  function say(text) {
    status.textContent = text;
  }

  async function post(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body ?? {}),
    });
    if (!answer.ok) {
      const error = new Error(`${url}: ${answer.status}`);
      error.status = answer.status;
      throw error;
    }
    return answer.json();
  }

  function refused(error) {
    say(labels.errors[String(error.status)] ?? labels.errors.other);
  }

  // Offers

  function languageName(code) {
    return code ? labels.languages[code] ?? code : labels.no_language;
  }

  function badge(text, crisis) {
    const span = document.createElement("span");
    span.className = crisis ? "badge crisis" : "badge";
    span.textContent = text;
    return span;
  }

  function offerCreated(offer) {
    if (offers.has(offer.offer_id)) return;
    const element = offerTemplate.content.firstElementChild.cloneNode(true);
    element.dataset.offerId = String(offer.offer_id);
    element.dataset.callSid = offer.call_sid;
    element.querySelector(".offer-queue").textContent = labels.queues[offer.queue] ?? offer.queue;
    element.querySelector(".offer-language").textContent = languageName(offer.language);
    element.querySelector(".offer-case").textContent = offer.case_reference ?? "—";
    const badges = element.querySelector(".offer-badges");
    if (offer.crisis) badges.append(badge(labels.crisis, true));
    if (offer.priority === data.priorities.callback_return) badges.append(badge(labels.callback_return));
    if (offer.priority === data.priorities.repeat_caller) badges.append(badge(labels.repeat_caller));
    element.querySelector(".offer-accept").addEventListener("click", () => acceptOffer(offer.offer_id));
    element.querySelector(".offer-decline").addEventListener("click", () => declineOffer(offer.offer_id));
    offers.set(offer.offer_id, { offer, element });
    offersBox.append(element);
    say(labels.offer_arrived);
    tickOffers();
  }

  function removeOffer(offerId) {
    offers.get(offerId)?.element.remove();
    offers.delete(offerId);
  }

  function offerWithdrawn(message) {
    if (!offers.has(message.offer_id)) return;
    removeOffer(message.offer_id);
    say(labels.withdrawn[message.reason] ?? labels.withdrawn.lapsed);
  }

  function firstOffer() {
    return offers.keys().next().value;
  }

  async function acceptOffer(offerId) {
    if (!offers.has(offerId)) return;
    for (const button of offers.get(offerId).element.querySelectorAll("button")) button.disabled = true;
    try {
      const taken = await post(`/api/v1/offers/${offerId}/accept`);
      removeOffer(offerId);
      showCall({ ...taken, state: taken.state });
    } catch (error) {
      removeOffer(offerId);
      refused(error);
    }
  }

  async function declineOffer(offerId) {
    if (!offers.has(offerId)) return;
    try {
      await post(`/api/v1/offers/${offerId}/decline`);
      removeOffer(offerId);
      say(labels.withdrawn.declined);
    } catch (error) {
      removeOffer(offerId);
      refused(error);
    }
  }

  async function take(callSid, button) {
    button.disabled = true;
    try {
      showCall(await post(`/api/v1/calls/${encodeURIComponent(callSid)}/accept`));
    } catch (error) {
      button.disabled = false;
      refused(error);
    }
  }

  function tickOffers() {
    for (const { offer, element } of offers.values()) {
      const left = (Date.parse(offer.expires_at) - now()) / 1000;
      element.querySelector(".offer-left").textContent = clock(Math.max(0, left));
    }
  }

  // The call

  // A state never goes back: the accept's answer (connecting) may come after talking.
  const ORDER = { connecting: 0, talking: 1, wrap_up: 2, missed: 3, done: 3 };

  function showCall(message) {
    if (!call && (message.state === "done" || message.state === "missed")) return;
    if (call?.call_sid === message.call_sid && ORDER[message.state] < ORDER[call.state]) return;
    if (call && call.call_sid !== message.call_sid && message.state !== "connecting") return;
    call = call?.call_sid === message.call_sid ? { ...call, ...message } : { ...message };
    for (const [offerId, { offer }] of offers) if (offer.call_sid === call.call_sid) removeOffer(offerId);
    const state = call.state;
    document.body.dataset.call = state;
    panel.hidden = !(state === "connecting" || state === "talking");
    wrapUp.hidden = state !== "wrap_up";
    if (state === "connecting" || state === "talking") {
      callState.textContent = labels.call_state[state];
      panel.dataset.state = state;
      document.getElementById("call-case").textContent = call.case_reference ?? "—";
      const number = call.masked_number === "withheld" ? labels.withheld : call.masked_number;
      document.getElementById("call-number").textContent = number ?? "—";
      document.getElementById("call-language").textContent = languageName(call.language);
      document.getElementById("call-queue").textContent = labels.queues[call.queue] ?? call.queue ?? "—";
      for (const option of transferQueue.options) option.disabled = option.value === call.queue;
      if (transferQueue.selectedOptions[0]?.disabled) {
        transferQueue.value = [...transferQueue.options].find((option) => !option.disabled)?.value;
      }
      const talking = state === "talking";
      hangUpButton.disabled = !talking;
      transferButton.disabled = !talking;
      muteButton.disabled = !talking || !ringing;
      say("");
      if (state === "connecting") answerRinging();
    } else if (state === "wrap_up") {
      hangUpButton.disabled = transferButton.disabled = muteButton.disabled = true;
      openWrapUp();
    } else if (state === "missed") {
      end(labels.missed);
    } else if (state === "done") {
      end(savedCall === call.call_sid ? labels.saved : labels.done);
    }
    tickCall();
  }

  function end(text) {
    call = null;
    panel.hidden = true;
    wrapUp.hidden = true;
    document.body.dataset.call = "none";
    muted = false;
    muteButton.setAttribute("aria-pressed", "false");
    muteButton.textContent = labels.mute;
    say(text);
  }

  function tickCall() {
    if (!call) return;
    if (call.state === "talking" && call.answered_at) {
      timer.textContent = clock((now() - Date.parse(call.answered_at)) / 1000);
    }
    if (call.state === "wrap_up" && call.wrap_up_until) {
      const left = (Date.parse(call.wrap_up_until) - now()) / 1000;
      wrapUpLeft.textContent = clock(Math.max(0, left));
      if (left <= 0) say(labels.wrap_up_over);
    }
  }

  async function hangUp() {
    if (!call || call.state !== "talking") return;
    hangUpButton.disabled = true;
    say(labels.hung_up);
    try {
      await post(`/api/v1/calls/${call.call_sid}/hangup`);
    } catch (error) {
      hangUpButton.disabled = false;
      refused(error);
    }
  }

  async function toggleMute() {
    if (!ringing || !call || call.state !== "talking") return;
    try {
      await ringing.mute(!muted);
      muted = !muted;
      muteButton.setAttribute("aria-pressed", String(muted));
      muteButton.textContent = muted ? labels.unmute : labels.mute;
    } catch {
      say(labels.errors.other);
    }
  }

  async function transfer(event) {
    event.preventDefault();
    if (!call || call.state !== "talking") return;
    transferButton.disabled = true;
    try {
      await post(`/api/v1/calls/${call.call_sid}/transfer`, { queue: transferQueue.value });
      say(labels.transferred);
    } catch (error) {
      transferButton.disabled = false;
      refused(error);
    }
  }

  // The wrap-up

  let taxonomy = null;

  function fill(select, codes) {
    const choose = new Option(labels.choose, "");
    select.replaceChildren(choose, ...codes.map(({ code, label }) => new Option(label, code)));
  }

  async function openWrapUp() {
    if (!taxonomy) {
      const answer = await fetch("/api/v1/taxonomy", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!answer.ok) return refused(answer);
      taxonomy = await answer.json();
      fill(outcome, taxonomy.outcomes);
      fill(category, taxonomy.categories);
    }
    if (wrapUp.dataset.callSid !== call.call_sid) {
      wrapUp.dataset.callSid = call.call_sid;
      wrapUp.reset();
      wrapUpError.hidden = true;
      outcome.focus();
    }
  }

  async function saveWrapUp(event) {
    event.preventDefault();
    if (!call || call.state !== "wrap_up") return;
    const missing = [outcome, category].filter((select) => !select.value);
    for (const select of [outcome, category]) select.setAttribute("aria-invalid", String(missing.includes(select)));
    if (missing.length) {
      wrapUpError.textContent = labels.required;
      wrapUpError.hidden = false;
      missing[0].focus();
      return;
    }
    wrapUpError.hidden = true;
    const sid = call.call_sid;
    try {
      await post(`/api/v1/calls/${sid}/wrap-up`, {
        outcome: outcome.value, category: category.value, note: note.value.trim() || null,
      });
      savedCall = sid;
      if (call?.call_sid === sid) showCall({ call_sid: sid, state: "done" });
      else say(labels.saved);
    } catch (error) {
      wrapUpError.textContent = labels.errors[String(error.status)] ?? labels.errors.other;
      wrapUpError.hidden = false;
    }
  }

  // The softphone: the operator chose by accepting; the call that rings for
  // the caller they took is answered with no second click.

  function answerRinging() {
    if (!ringing || ringing.answered || !call || call.state !== "connecting") return;
    if (ringing.parentCallSid && ringing.parentCallSid !== call.call_sid) return;
    ringing.answered = true;
    ringing.accept().catch(() => say(labels.softphone_failed));
  }

  function startSoftphone() {
    device = softphone(data.softphone);
    device.on("incoming", (incoming) => {
      ringing = incoming;
      incoming.on("disconnect", () => {
        if (ringing === incoming) ringing = null;
        muteButton.disabled = true;
      });
      answerRinging();
    });
    device.on("error", () => {});
    device.register().catch(() => say(labels.softphone_failed));
  }

  // Keys

  function typing(target) {
    return target.closest?.("input, select, textarea, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) return;
    // The physical key, so the shortcuts work in a Kazakh or Russian layout too.
    const actions = {
      KeyA: () => firstOffer() !== undefined && acceptOffer(firstOffer()),
      KeyD: () => firstOffer() !== undefined && declineOffer(firstOffer()),
      KeyH: hangUp,
      KeyM: toggleMute,
    };
    if (!actions[event.code]) return;
    event.preventDefault();
    actions[event.code]();
  });

  muteButton.addEventListener("click", toggleMute);
  hangUpButton.addEventListener("click", hangUp);
  transferForm.addEventListener("submit", transfer);
  wrapUp.addEventListener("submit", saveWrapUp);

  async function read(url) {
    const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    return answer.ok ? answer.json() : null;
  }

  // What happened while the page was away: the call, and the open offer.
  async function recover() {
    const [mine, offered] = await Promise.all([read("/api/v1/me/call"), read("/api/v1/me/offer")]);
    if (mine?.call) showCall(mine.call);
    else if (mine && call && call.state !== "done") end("");
    if (!offered) return;
    for (const offerId of offers.keys()) if (offerId !== offered.offer?.offer_id) removeOffer(offerId);
    if (offered.offer) offerCreated(offered.offer);
  }

  socket.on("offer.created", offerCreated);
  socket.on("offer.withdrawn", offerWithdrawn);
  socket.on("operator.call", showCall);
  setInterval(() => { tickOffers(); tickCall(); }, 250);
  startSoftphone();

  return { recover, take, busy: () => call !== null };
}
