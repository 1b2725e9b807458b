// The console's softphone: one interface, two devices.
//
//   const phone = softphone(data.softphone);
//   phone.on("incoming", (call) => …); phone.on("disconnect", (call) => …);
//   await phone.register();
//   call.accept(); call.reject(); call.disconnect(); call.mute(true|false);
//   call.on("disconnect", …); call.sid (this leg), call.parentCallSid (the caller's, if known)
//   phone.on("error", (error) => …): error.code is the Voice SDK's (31005 …) or,
//   simulated, the HTTP status the simulator answered.
//
// In development and tests (TELEPHONY_SIMULATOR on) the device is simulated: the
// JS twin of telephony/simulator/device.py, polling the simulator's
// /simulator/devices API. In production it is the vendored Twilio Voice SDK,
// loaded only then. Both register with GET /api/v1/me/voice-token's token and
// take a fresh one before it expires.

const INCOMING_POLL_MS = 400;
const CALL_POLL_MS = 1000;
const ENDED = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

class Emitter {
  constructor() { this.handlers = new Map(); }
  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(handler);
    return this;
  }
  emit(event, ...args) {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }
}

async function fetchToken(url) {
  const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!answer.ok) throw Object.assign(new Error(`voice token: ${answer.status}`), { code: answer.status });
  return answer.json();
}

// Refresh a minute before the token expires (or at half its life if shorter).
function refreshDelay(expiresIn) {
  return Math.max(expiresIn / 2, expiresIn - 60) * 1000;
}

class SimulatedCall extends Emitter {
  constructor(device, call) {
    super();
    this.device = device;
    this.sid = call.sid;
    this.parentCallSid = call.parent_call_sid;
    this.status = call.status;
    this.timer = null;
  }

  async act(action, body) {
    const reply = await this.device.send("POST", `/calls/${this.sid}/${action}`, body ?? {});
    this.update(reply.call);
    return this;
  }

  accept() { return this.act("accept").then(() => this.watch()); }
  reject() { return this.act("reject"); }
  disconnect() { return this.act("disconnect"); }
  mute(muted) { return this.act("mute", { muted: Boolean(muted) }); }

  update(call) {
    this.status = call.status;
    if (ENDED.has(call.status) && !this.ended) {
      this.ended = true;
      clearInterval(this.timer);
      this.emit("disconnect", this);
      this.device.ended(this);
    }
  }

  // Until it ends: the caller or the network may end it, not only this device.
  watch() {
    this.timer = setInterval(async () => {
      try {
        this.update((await this.device.send("GET", `/calls/${this.sid}`)).call);
      } catch {
        // A failed poll is tried again at the next tick.
      }
    }, CALL_POLL_MS);
  }
}

class SimulatedDevice extends Emitter {
  constructor(options) {
    super();
    this.options = options;
    this.token = null;
    this.call = null;
    this.polling = null;
  }

  async send(method, path, body) {
    const answer = await fetch(this.options.devices_url + path, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        Accept: "application/json",
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw Object.assign(new Error(data.message ?? `simulator: ${answer.status}`), { code: answer.status });
    return data;
  }

  async refresh() {
    const { token, expires_in: expiresIn } = await fetchToken(this.options.token_url);
    this.token = token;
    setTimeout(() => this.refresh().catch((error) => this.emit("error", error)), refreshDelay(expiresIn));
  }

  async register() {
    await this.refresh();
    await this.send("GET", "/registration");
    this.polling = setInterval(() => this.poll(), INCOMING_POLL_MS);
    this.emit("registered");
  }

  async poll() {
    if (this.call || this.asking) return;
    this.asking = true;
    try {
      const found = (await this.send("GET", "/incoming")).call;
      if (found && !this.call) {
        this.call = new SimulatedCall(this, found);
        this.emit("incoming", this.call);
      }
    } catch (error) {
      this.emit("error", error);
    } finally {
      this.asking = false;
    }
  }

  ended(call) {
    if (this.call === call) this.call = null;
    this.emit("disconnect", call);
  }
}

// The Voice SDK's Call, behind the same interface.
class TwilioCall extends Emitter {
  constructor(device, call) {
    super();
    this.call = call;
    this.sid = call.parameters?.CallSid;
    // The SDK does not tell the caller's CallSid; the console then answers the
    // one call that rings while it puts a caller through.
    this.parentCallSid = null;
    const end = () => {
      if (this.ended) return;
      this.ended = true;
      this.emit("disconnect", this);
      device.emit("disconnect", this);
    };
    for (const event of ["disconnect", "cancel", "reject", "error"]) call.on(event, end);
  }

  accept() { this.call.accept(); return Promise.resolve(this); }
  reject() { this.call.reject(); return Promise.resolve(this); }
  disconnect() { this.call.disconnect(); return Promise.resolve(this); }
  mute(muted) { this.call.mute(Boolean(muted)); return Promise.resolve(this); }
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.append(script);
  });
}

class TwilioDevice extends Emitter {
  constructor(options) {
    super();
    this.options = options;
  }

  async register() {
    await loadScript(this.options.sdk_url);
    const { token } = await fetchToken(this.options.token_url);
    this.device = new window.Twilio.Device(token, { closeProtection: true });
    this.device.on("incoming", (call) => this.emit("incoming", new TwilioCall(this, call)));
    this.device.on("error", (error) => this.emit("error", error));
    this.device.on("registered", () => this.emit("registered"));
    this.device.on("tokenWillExpire", async () => {
      try {
        this.device.updateToken((await fetchToken(this.options.token_url)).token);
      } catch (error) {
        this.emit("error", error);
      }
    });
    await this.device.register();
  }
}

export function softphone(options) {
  return options.simulator ? new SimulatedDevice(options) : new TwilioDevice(options);
}
