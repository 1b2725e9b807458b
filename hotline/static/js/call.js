// The operator's call on the desk: connecting, talking (a timer, mute, hang up,
// transfer), wrap-up (wrapup.js), then done or missed. Driven by operator.call,
// the accept's answer and GET /api/v1/me/call; the softphone's call that rings
// for the caller they took is answered with no second click.
// A callback (`kind: "callback"`) is the same call, dialled by the hotline: the
// accept's answer has no CallSid yet (the operator's leg is placed by a worker,
// then operator.call names it); "Calling back <case>…" while the operator's
// phone rings and the person is dialled. A person not reached (state
// not_reached, with the attempt's outcome) ends it with no wrap-up: the
// operator is told what became of the callback (GET /api/v1/callbacks/<id>) and
// is available; an operator's phone not answered (missed) puts the callback back.

import { get, post } from "./kit/api.js";
import { clock, secondsSince, secondsUntil } from "./kit/clock.js";
import { has, label, languageLabel, queueLabel } from "./kit/labels.js";
import { wrapUpForm } from "./wrapup.js";

// A state never goes back: the accept's answer (connecting) may come after talking.
const ORDER = { connecting: 0, talking: 1, wrap_up: 2, missed: 3, not_reached: 3, done: 3 };
const ENDS = new Set(["done", "missed", "not_reached"]);
const ON_THE_LINE = new Set(["connecting", "talking", "wrap_up"]);

// say(text), refused(error): the desk's status line; taken(callSid): the
// caller is this operator's (their offer is done with); changed(): the call
// began, moved on or ended.
export function callPanel({ say, refused, taken, changed = () => {} }) {
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
  let call = null; // the operator.call message, merged
  let ringing = null; // the softphone's incoming call, until it ends
  let muted = false;
  let savedCall = null; // the call whose wrap-up this page saved: its "done" says so
  let savedText = "";
  const form = wrapUpForm({
    current: () => call,
    refused,
    saved: (sid, callBack) => {
      savedCall = sid;
      savedText = callBack ? `${label("saved")} ${callBack}` : label("saved");
      if (call?.call_sid === sid) show({ call_sid: sid, state: "done" });
      else say(savedText);
    },
  });

  // The same callback's attempt, before and after its CallSid is known.
  function sameAttempt(message) {
    return message.kind === "callback" && call?.kind === "callback" && call.callback_id === message.callback_id
      && (!call.call_sid || !message.call_sid);
  }

  function show(message) {
    if (!call && ENDS.has(message.state)) return;
    const same = call !== null && (call.call_sid === message.call_sid || sameAttempt(message));
    if (same && ORDER[message.state] < ORDER[call.state]) return;
    // The accept's answer, come after the worker placed the call: nothing new.
    if (same && !message.call_sid && call.call_sid) return;
    if (call && !same && message.state !== "connecting") return;
    call = same ? { ...call, ...message, kind: call.kind ?? message.kind } : { ...message };
    taken(call.call_sid);
    const state = call.state;
    document.body.dataset.call = state;
    panel.hidden = !(state === "connecting" || state === "talking");
    wrapUp.hidden = state !== "wrap_up";
    if (state === "connecting" || state === "talking") showLine(state);
    else if (state === "wrap_up") {
      hangUpButton.disabled = transferButton.disabled = muteButton.disabled = true;
      form.open(call);
    } else if (state === "missed") end(call.kind === "callback" ? missedCallback(call.reason) : label("missed"));
    else if (state === "not_reached") notReached(call);
    else if (state === "done") end(savedCall === call.call_sid ? savedText : label("done"));
    tick();
    changed();
  }

  function missedCallback(reason) {
    return label(reason === "not_answered" ? "callback_missed.not_answered" : "callback_missed.not_placed");
  }

  // The person was not reached: said at once, then what became of the callback.
  async function notReached(ended) {
    const outcome = has(`not_reached.${ended.outcome}`) ? ended.outcome : "no-answer";
    end(label(`not_reached.${outcome}`, { then: label("not_reached.then.scheduled") }));
    document.body.dataset.call = "not_reached";
    try {
      const callback = await get(`/api/v1/callbacks/${ended.callback_id}`);
      if (call !== null) return; // a new call has started meanwhile
      const then = callback.status === "failed" ? "failed" : "scheduled";
      say(label(`not_reached.${outcome}`, { then: label(`not_reached.then.${then}`) }));
    } catch {
      // The first word stays: the callback's own fate is in the callbacks panel.
    }
  }

  function showLine(state) {
    const callback = call.kind === "callback";
    panel.dataset.kind = callback ? "callback" : "call";
    callState.textContent = callback && state === "connecting"
      ? label("call_state.calling_back", { case: call.case_reference ?? "—" })
      : label(`call_state.${state}`);
    panel.dataset.state = state;
    document.getElementById("call-case").textContent = call.case_reference ?? "—";
    const number = call.masked_number === "withheld" ? label("withheld") : call.masked_number;
    document.getElementById("call-number").textContent = number ?? "—";
    document.getElementById("call-language").textContent = languageLabel(call.language);
    document.getElementById("call-queue").textContent = queueLabel(call.queue);
    for (const option of transferQueue.options) option.disabled = option.value === call.queue;
    if (transferQueue.selectedOptions[0]?.disabled) {
      transferQueue.value = [...transferQueue.options].find((option) => !option.disabled)?.value;
    }
    const talking = state === "talking";
    hangUpButton.disabled = transferButton.disabled = !talking;
    muteButton.disabled = !talking || !ringing;
    say("");
    if (state === "connecting") answerRinging();
  }

  function end(text) {
    call = null;
    panel.hidden = wrapUp.hidden = true;
    document.body.dataset.call = "none";
    muted = false;
    muteButton.setAttribute("aria-pressed", "false");
    muteButton.textContent = label("mute");
    say(text);
    changed();
  }

  function tick() {
    if (call?.state === "talking" && call.answered_at) timer.textContent = clock(secondsSince(call.answered_at));
    if (call?.state === "wrap_up" && call.wrap_up_until) {
      const left = secondsUntil(call.wrap_up_until);
      wrapUpLeft.textContent = clock(Math.max(0, left));
      if (left <= 0) say(label("wrap_up_over"));
    }
  }

  async function hangUp() {
    if (call?.state !== "talking") return;
    hangUpButton.disabled = true;
    say(label("hung_up"));
    try {
      await post(`/api/v1/calls/${call.call_sid}/hangup`);
    } catch (error) {
      hangUpButton.disabled = false;
      refused(error);
    }
  }

  async function toggleMute() {
    if (!ringing || call?.state !== "talking") return;
    try {
      await ringing.mute(!muted);
      muted = !muted;
      muteButton.setAttribute("aria-pressed", String(muted));
      muteButton.textContent = muted ? label("unmute") : label("mute");
    } catch {
      say(label("errors.other"));
    }
  }

  async function transfer(event) {
    event.preventDefault();
    if (call?.state !== "talking") return;
    transferButton.disabled = true;
    try {
      await post(`/api/v1/calls/${call.call_sid}/transfer`, { queue: transferQueue.value });
      say(label("transferred"));
    } catch (error) {
      transferButton.disabled = false;
      refused(error);
    }
  }

  function answerRinging() {
    if (!ringing || ringing.answered || call?.state !== "connecting") return;
    if (ringing.parentCallSid && ringing.parentCallSid !== call.call_sid) return;
    ringing.answered = true;
    ringing.accept().catch(() => say(label("softphone_failed")));
  }

  // The softphone's call for this operator: answered if it is the caller they took.
  function incoming(softphoneCall) {
    ringing = softphoneCall;
    softphoneCall.on("disconnect", () => {
      if (ringing === softphoneCall) ringing = null;
      muteButton.disabled = true;
    });
    answerRinging();
  }

  muteButton.addEventListener("click", toggleMute);
  hangUpButton.addEventListener("click", hangUp);
  transferForm.addEventListener("submit", transfer);
  return {
    show, tick, hangUp, toggleMute, incoming,
    // GET /api/v1/me/call's answer: the call in progress, or none (`mine.call` null).
    recover: (mine) => (mine.call ? show(mine.call) : call && call.state !== "done" && end("")),
    busy: () => call !== null,
    // The call the operator is on (connecting, talking, wrapping up), or null.
    onTheLine: () => (call && ON_THE_LINE.has(call.state) ? call : null),
  };
}
