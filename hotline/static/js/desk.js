// The console's call desk: offers (offers.js), a caller taken from the list,
// the operator's call and its wrap-up (call.js), the softphone (softphone.js).
// Its snapshot, on every (re)connect: GET /api/v1/me/call and /api/v1/me/offer;
// offer.created, offer.withdrawn and operator.call are its deltas.
// Keys: A accept, D decline, H hang up, M mute (kit/keys.js), unless the
// operator turned them off with the console's "Keyboard shortcuts" box.

import { callPanel } from "./call.js";
import { casePanel } from "./case_panel.js";
import { get, post } from "./kit/api.js";
import { errorLabel, label, pageData } from "./kit/labels.js";
import { shortcuts } from "./kit/keys.js";
import { offerCards } from "./offers.js";
import { softphone } from "./softphone.js";

// page: the console's kit/live.js, which loads the desk with the rest.
export function startDesk({ page }) {
  const status = document.getElementById("desk-status");
  const say = (text) => (status.textContent = text);
  const refused = (error) => say(errorLabel(error));
  const theCase = casePanel();
  // The caller's case follows the desk: the call's while on it, else the first offer's.
  const follow = () => theCase.follow(call.onTheLine() ?? offers.first());
  const call = callPanel({ say, refused, taken: (callSid) => offers.dropFor(callSid), changed: follow });
  const offers = offerCards({ say, refused, accepted: call.show, changed: follow });

  async function take(callSid, button) {
    button.disabled = true;
    try {
      call.show(await post(`/api/v1/calls/${encodeURIComponent(callSid)}/accept`));
    } catch (error) {
      button.disabled = false;
      refused(error);
    }
  }

  // What happened while the page was away: the call, and the open offer.
  async function recover() {
    const [mine, offered] = await Promise.all([get("/api/v1/me/call"), get("/api/v1/me/offer")]);
    call.recover(mine);
    offers.recover(offered.offer);
  }

  // A softphone's error is told once, until another comes: the device may
  // report the same one at every poll. Its code goes to the browser's console
  // for whoever helps the operator; its message may carry what the network sent.
  let lastError = null;
  function softphoneError(error) {
    const code = error?.code ?? error?.name ?? "unknown";
    if (code === lastError) return;
    lastError = code;
    console.warn(`softphone error ${code}`);
    say(label("softphone_error"));
  }

  function startSoftphone() {
    const device = softphone(pageData().softphone);
    device.on("incoming", (incoming) => {
      lastError = null;
      call.incoming(incoming);
    });
    device.on("registered", () => (lastError = null));
    device.on("error", softphoneError);
    device.register().catch(() => say(label("softphone_failed")));
  }

  shortcuts(
    { KeyA: offers.acceptFirst, KeyD: offers.declineFirst, KeyH: call.hangUp, KeyM: call.toggleMute },
    { toggle: document.getElementById("shortcuts"), hint: document.getElementById("keys-hint") },
  );
  page.source("desk", recover);
  page.on("offer.created", "desk", offers.created);
  page.on("offer.withdrawn", "desk", offers.withdrawn);
  page.on("operator.call", "desk", call.show);
  setInterval(() => {
    offers.tick();
    call.tick();
  }, 250);
  startSoftphone();
  return { take, busy: call.busy };
}
