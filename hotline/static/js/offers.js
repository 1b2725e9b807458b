// Offers on the call desk: a card per offer.created (queue, language, case,
// badges, a countdown; a callback's says "Call back" and when it was asked for), removed when withdrawn (offer.withdrawn: lapsed, taken,
// left, declined), accepted or declined (by its buttons, or A and D on the desk).

import { post } from "./kit/api.js";
import { clock, secondsUntil } from "./kit/clock.js";
import { markShortcuts } from "./kit/keys.js";
import { has, label, languageLabel, pageData, queueLabel } from "./kit/labels.js";

function badge(text, crisis) {
  const span = document.createElement("span");
  span.className = crisis ? "badge crisis" : "badge";
  span.textContent = text;
  return span;
}

// say(text): the desk's status line; refused(error): an ApiError told there;
// accepted(taken): the accept's answer, the call now connecting; changed(): an
// offer came or went.
export function offerCards({ say, refused, accepted, changed = () => {} }) {
  const data = pageData();
  const box = document.getElementById("offers");
  const template = document.getElementById("offer-template");
  const offers = new Map(); // offer_id -> { offer, element }
  const asked = new Intl.DateTimeFormat(data.locale, {
    timeZone: data.timezone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });

  function created(offer) {
    if (offers.has(offer.offer_id)) return;
    const element = template.content.firstElementChild.cloneNode(true);
    element.dataset.offerId = String(offer.offer_id);
    element.dataset.callSid = offer.call_sid;
    element.querySelector(".offer-queue").textContent = queueLabel(offer.queue);
    element.querySelector(".offer-language").textContent = languageLabel(offer.language);
    element.querySelector(".offer-case").textContent = offer.case_reference ?? "—";
    const callback = offer.kind === "callback";
    element.dataset.kind = callback ? "callback" : "call";
    if (callback) {
      element.querySelector(".offer-title").textContent = label("callback_offer");
      if (offer.requested_at) {
        element.querySelector(".offer-asked-fact").hidden = false;
        element.querySelector(".offer-asked").textContent = asked.format(new Date(offer.requested_at));
      }
    }
    const badges = element.querySelector(".offer-badges");
    if (callback) badges.append(badge(label("callback")));
    if (offer.crisis) badges.append(badge(label("crisis"), true));
    if (!callback && offer.priority === data.priorities.callback_return) badges.append(badge(label("callback_return")));
    if (!callback && offer.priority === data.priorities.repeat_caller) badges.append(badge(label("repeat_caller")));
    element.querySelector(".offer-accept").addEventListener("click", () => accept(offer.offer_id));
    element.querySelector(".offer-decline").addEventListener("click", () => decline(offer.offer_id));
    offers.set(offer.offer_id, { offer, element });
    markShortcuts(element);
    box.append(element);
    say(label(callback ? "callback_offer_arrived" : "offer_arrived"));
    tick();
    changed();
  }

  function remove(offerId) {
    if (!offers.has(offerId)) return;
    offers.get(offerId).element.remove();
    offers.delete(offerId);
    changed();
  }

  function withdrawn(message) {
    if (!offers.has(message.offer_id)) return;
    remove(message.offer_id);
    const group = message.callback_id ? "withdrawn_callback" : "withdrawn";
    const why = `${group}.${message.reason}`;
    say(label(has(why) ? why : `${group}.lapsed`));
  }

  async function accept(offerId) {
    if (!offers.has(offerId)) return;
    for (const button of offers.get(offerId).element.querySelectorAll("button")) button.disabled = true;
    try {
      const taken = await post(`/api/v1/offers/${offerId}/accept`);
      remove(offerId);
      accepted(taken);
    } catch (error) {
      remove(offerId);
      refused(error);
    }
  }

  async function decline(offerId) {
    if (!offers.has(offerId)) return;
    try {
      await post(`/api/v1/offers/${offerId}/decline`);
      const callback = offers.get(offerId)?.offer.kind === "callback";
      remove(offerId);
      say(label(callback ? "withdrawn_callback.declined" : "withdrawn.declined"));
    } catch (error) {
      remove(offerId);
      refused(error);
    }
  }

  function tick() {
    for (const { offer, element } of offers.values()) {
      element.querySelector(".offer-left").textContent = clock(Math.max(0, secondsUntil(offer.expires_at)));
    }
  }

  // The open offer as GET /api/v1/me/offer tells it (`offer`, or null: none).
  function recover(open) {
    for (const offerId of offers.keys()) if (offerId !== open?.offer_id) remove(offerId);
    if (open) created(open);
  }

  const first = () => offers.keys().next().value;
  return {
    created,
    withdrawn,
    tick,
    recover,
    // The first open offer (its case_reference, call_sid), or null.
    first: () => offers.values().next().value?.offer ?? null,
    acceptFirst: () => first() !== undefined && accept(first()),
    declineFirst: () => first() !== undefined && decline(first()),
    // The caller is this operator's now: their offer, if any, is done with.
    dropFor: (callSid) => {
      if (!callSid) return;
      for (const [offerId, { offer }] of offers) if (offer.call_sid === callSid) remove(offerId);
    },
  };
}
