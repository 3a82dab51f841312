// The room's live connection (DESIGN.md, "The live path"; docs/protocol.md).
// Sends ops with client-made ids and keeps them until acked, applies events in seq order,
// buffers early ones, drops duplicates, and resyncs on a gap, a reconnect or a newer heartbeat.

import "./morph.js";

const HEARTBEAT_MS = 15000;
// A ping unanswered this long means the socket is dead, whatever the browser says: a socket can
// stay "open" for minutes on a dropped network. Drop it, reconnect and resync.
const PONG_DEADLINE_MS = 8000;
const GAP_WAIT_MS = 400;
// An op sent this long ago and not acknowledged shows as "not saved yet".
const UNSAVED_AFTER_MS = 2000;

export function newId() {
  // crypto.randomUUID needs a secure context; workshops often run on plain http on a LAN.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class LiveRoom extends EventTarget {
  constructor(root) {
    super();
    this.root = root;
    this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.dataset.ws;
    this.seq = Number(root.dataset.seq || 0);
    this.buffer = new Map();
    // Unacked ops survive a reload too (sessionStorage is per tab), so nothing typed offline is lost.
    this.storageKey = `journeymap-outbox:${root.dataset.ws}`;
    this.outbox = JSON.parse(sessionStorage.getItem(this.storageKey) || "[]");
    this.retry = 0;
    this.stopped = false;
    // Server clock minus ours; first from the page's render time, then refined by heartbeats.
    this.offset = Number(root.dataset.serverNow || Date.now()) - Date.now();
    this.bestRtt = Infinity;
    window.addEventListener("online", () => this.reconnectNow());
    // The browser knows before the socket does (a socket can take a minute to notice): go
    // offline at once, keep ops in the outbox, and reconnect when the network is back.
    window.addEventListener("offline", () => this.ws?.close());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  serverNow() {
    return Date.now() + this.offset;
  }

  connect() {
    if (this.stopped) return;
    this.setStatus("connecting");
    // Say what we have: the server answers with only what we missed (or a full snapshot).
    const ws = new WebSocket(`${this.url}?since=${this.seq}`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.retry = 0;
      this.setStatus("online");
      this.ping();
      for (const item of this.outbox) this.transmit(item);
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    });
    ws.addEventListener("message", (event) => this.frame(ws, JSON.parse(event.data)));
    ws.addEventListener("close", (event) => this.closed(ws, event.code));
  }

  // The one way a socket ends, whether the server closed it or we gave up on it (`drop`).
  closed(ws, code) {
    if (this.ws !== ws) return;
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
    this.pongTimer = null;
    this.ws = null;
    if (code === 4003 || this.stopped) {
      this.stopped = true;
      this.setStatus("closed");
      return;
    }
    this.setStatus(navigator.onLine === false ? "offline" : "reconnecting");
    const delay = Math.min(10000, 500 * 2 ** this.retry++) * (0.75 + Math.random() / 2);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // A socket that stopped answering: treated as closed at once (its own close event may take
  // minutes on a dead network, and is ignored when it comes).
  drop(ws) {
    this.closed(ws, 4000);
    try {
      ws.close(4000, "no heartbeat");
    } catch {
      // already closing
    }
  }

  reconnectNow() {
    if (this.stopped || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.timer);
    this.connect();
  }

  isOpen() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  setStatus(state) {
    this.status = state;
    this.dispatchEvent(new CustomEvent("status", { detail: state }));
  }

  // An op stays in the outbox until the server acks or refuses it; a resend after a
  // reconnect carries the same id, so the server applies it once.
  send(op, data = {}) {
    const item = { op, id: newId(), data, at: Date.now() };
    this.outbox.push(item);
    this.saveOutbox();
    this.transmit(item);
    return item.id;
  }

  transmit(item) {
    if (this.isOpen()) this.ws.send(JSON.stringify(item));
  }

  ping() {
    if (!this.isOpen()) return;
    const ws = this.ws;
    ws.send(JSON.stringify({ op: "ping", t: Date.now() }));
    if (!this.pongTimer) this.pongTimer = setTimeout(() => this.drop(ws), PONG_DEADLINE_MS);
  }

  sync() {
    if (this.isOpen()) this.ws.send(JSON.stringify({ op: "sync", since: this.seq }));
  }

  settle(id) {
    this.outbox = this.outbox.filter((item) => item.id !== id);
    this.saveOutbox();
    this.dispatchEvent(new CustomEvent("settled", { detail: { id } }));
  }

  // Ops sent a while ago and still not acknowledged: the page says so ("not saved yet").
  unsaved(now = Date.now()) {
    return this.outbox.filter((item) => now - (item.at || 0) >= UNSAVED_AFTER_MS).length;
  }

  saveOutbox() {
    this.dispatchEvent(new Event("outbox"));
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify(this.outbox));
    } catch {
      // Storage full or disabled: the in-memory outbox still covers a dropped connection.
    }
  }

  // Ops not sent yet, or sent and not acked: what the page should show as "pending".
  pending(op) {
    return this.outbox.filter((item) => item.op === op);
  }

  // A message too big for one frame comes as "part" frames, in order on the socket; joined,
  // they are the message's text (docs/protocol.md, "Big messages").
  frame(ws, msg) {
    if (msg.type !== "part") return this.receive(msg);
    const parts = (ws.parts ||= new Map());
    const got = parts.get(msg.id) || [];
    got.push(msg.text);
    parts.set(msg.id, got);
    if (got.length < msg.of) return;
    parts.delete(msg.id);
    this.receive(JSON.parse(got.join("")));
  }

  receive(msg) {
    switch (msg.type) {
      case "replay":
        if (msg.since > this.seq) return this.sync(); // we lost more meanwhile: ask again
        if (msg.seq < this.seq) return; // older than what we have
      // falls through: a replay is applied like a snapshot of the parts it holds
      case "snapshot":
        this.apply(msg.html);
        this.seq = msg.seq;
        for (const seq of [...this.buffer.keys()]) if (seq <= this.seq) this.buffer.delete(seq);
        this.drain();
        break;
      case "event":
        if (msg.seq <= this.seq) return; // already applied
        this.buffer.set(msg.seq, msg);
        this.drain();
        if (this.buffer.size) this.waitForGap();
        break;
      case "ack":
        this.settle(msg.id);
        if (msg.seq > this.seq) this.waitForGap();
        break;
      case "error": {
        const sent = msg.id ? this.outbox.find((item) => item.id === msg.id) : undefined;
        if (sent && (msg.code === "rate_limited" || msg.code === "unavailable")) {
          // Not refused, only not now (busy, or the database is away): the same op, same id,
          // goes again, backing off; the page shows it as not saved yet meanwhile.
          sent.tries = (sent.tries || 0) + 1;
          setTimeout(() => this.transmit(sent), Math.min(10000, 1000 * sent.tries));
          return;
        }
        if (sent) this.settle(msg.id);
        this.dispatchEvent(new CustomEvent("refused", { detail: { ...msg, sent } }));
        break;
      }
      case "pong": {
        clearTimeout(this.pongTimer);
        this.pongTimer = null;
        const now = Date.now();
        const rtt = now - msg.t;
        if (rtt <= this.bestRtt * 1.5) {
          this.bestRtt = Math.min(this.bestRtt, rtt);
          this.offset = msg.server_now - (msg.t + now) / 2;
        }
        if (msg.seq > this.seq) this.sync();
        break;
      }
      case "removed":
        this.stopped = true;
        this.dispatchEvent(new CustomEvent("removed", { detail: msg }));
        break;
      case "reload":
        location.reload();
        break;
      case "editing":
        this.dispatchEvent(new CustomEvent("editing", { detail: msg }));
        break;
    }
  }

  drain() {
    while (this.buffer.has(this.seq + 1)) {
      const msg = this.buffer.get(this.seq + 1);
      this.buffer.delete(this.seq + 1);
      this.apply(msg.html);
      this.seq = msg.seq;
    }
  }

  waitForGap() {
    clearTimeout(this.gapTimer);
    const want = this.seq;
    this.gapTimer = setTimeout(() => {
      // Still stuck on the same number: an event was lost (or is very late). Ask for the room.
      if (this.seq === want) this.sync();
    }, GAP_WAIT_MS);
  }

  apply(html) {
    if (!html) return;
    // Parts and cells morph into the page (below), so what the person is doing stays put.
    window.htmx.swap(document.body, putNotes(html), { swapStyle: "none" });
    this.dispatchEvent(new Event("updated"));
  }
}

// A note put into place by an event (docs/protocol.md, "One note"): any copy the page shows
// goes first, so a note moves, and a snapshot drawn a moment after its seq (which may show
// the note already) does not end up with it twice. Where its place is not on the page,
// the page is left as it is.
function putNotes(html) {
  if (!html.includes("data-put")) return html;
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const put of template.content.querySelectorAll("[data-put]")) {
    const value = put.getAttribute("hx-swap-oob");
    const where = value.slice(value.indexOf(":") + 1);
    if (!document.querySelector(where)) {
      put.remove();
      continue;
    }
    for (const note of put.querySelectorAll("li[id]")) document.getElementById(note.id)?.remove();
  }
  return template.innerHTML;
}
