// The room page: live connection, timer countdown, local step viewing, "I'm done".
import { LiveRoom } from "./live.js";
import { startTimers } from "./timer.js";

const root = document.getElementById("room");
export const live = new LiveRoom(root);
window.journeymapLive = live; // for the browser console and the browser tests
const me = root.dataset.me;
let viewing = null; // a step this person looks at without moving the room; null = follow it

const statusLabels = {
  connecting: gettext("Connecting…"),
  online: gettext("Live"),
  reconnecting: gettext("Reconnecting…"),
  offline: gettext("Offline: changes will be sent when you are back"),
  closed: gettext("Disconnected"),
};

export function gettext(text) {
  // Labels for the few strings made in the browser come from the page (data-i18n-*).
  const node = document.querySelector(`[data-i18n="${CSS.escape(text)}"]`);
  return node ? node.textContent : text;
}

export function toast(message, kind = "error", action = null) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = document.createElement("p");
  item.className = `toast ${kind}`;
  item.textContent = message;
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "toast-action";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      action.run();
      item.remove();
    });
    item.append(" ", button);
  }
  box.append(item);
  setTimeout(() => item.remove(), action ? 8000 : 6000);
}

// The connection as it is, and what has not reached the server yet: never "Live" alone while
// something waits (docs/protocol.md, "Errors").
function showStatus() {
  const el = document.getElementById("live-status");
  if (!el || !live.status) return;
  const unsaved = live.status === "closed" ? 0 : live.unsaved();
  let text = statusLabels[live.status] || live.status;
  if (unsaved === 1) text += ` · ${gettext("1 change not saved yet, retrying")}`;
  else if (unsaved > 1) text += ` · ${gettext("{n} changes not saved yet, retrying").replace("{n}", unsaved)}`;
  if (el.dataset.state !== live.status) el.dataset.state = live.status;
  if (el.dataset.unsaved !== String(unsaved)) el.dataset.unsaved = String(unsaved);
  if (el.textContent !== text) el.textContent = text;
}
live.addEventListener("status", showStatus);
live.addEventListener("outbox", showStatus);
setInterval(showStatus, 1000); // an op becomes "not saved yet" by waiting

live.addEventListener("refused", (event) => {
  const msg = event.detail;
  if (msg.code === "confirm") {
    // step.go says "force", stage.delete says "confirm": the op decides what asking means.
    const flag = msg.op === "step.go" ? "force" : "confirm";
    if (msg.sent && window.confirm(msg.message)) live.send(msg.op, { ...msg.sent.data, [flag]: true });
    return;
  }
  if (msg.code === "noop") return;
  toast(msg.message);
});

live.addEventListener("removed", (event) => {
  toast(event.detail.message);
  setTimeout(() => location.assign("/"), 3000);
});

live.addEventListener("updated", refresh);
document.addEventListener("timeup", () => toast(gettext("Time is up"), "info"));

function formData(form) {
  const data = Object.fromEntries(new FormData(form));
  delete data.op;
  delete data.csrfmiddlewaretoken;
  return data;
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-op]");
  if (!form) return;
  event.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  live.send(form.dataset.op, formData(form));
  if (form.hasAttribute("data-reset")) form.reset();
  form.closest("details")?.removeAttribute("open");
});

document.addEventListener("click", (event) => {
  const view = event.target.closest("[data-view-step]");
  if (view) {
    viewing = view.dataset.viewStep;
    refresh();
    // On a phone the guidance is below the fold: bring the banner into view, then move focus.
    document.getElementById("viewing-banner")?.scrollIntoView({ block: "nearest" });
    document.getElementById("guidance")?.focus({ preventScroll: true });
    return;
  }
  if (event.target.closest("[data-follow-room]")) {
    viewing = null;
    refresh();
  }
});

function refresh() {
  const now = document.getElementById("now");
  const roomStep = now?.dataset.step;
  if (viewing === roomStep) viewing = null;
  const shown = viewing ?? roomStep;
  for (const article of document.querySelectorAll("#guidance .guidance")) {
    article.hidden = article.dataset.step !== shown;
  }
  for (const item of document.querySelectorAll("#agenda .agenda-step")) {
    item.classList.toggle("viewing", viewing !== null && item.dataset.step === viewing);
  }
  const banner = document.getElementById("viewing-banner");
  if (banner) banner.hidden = viewing === null;

  const mine = document.querySelector(`#people .person[data-pid="${me}"]`);
  mine?.classList.add("is-me");
  const done = mine?.dataset.done === "1";
  const button = document.getElementById("done-button");
  if (button) {
    button.setAttribute("aria-pressed", String(done));
    button.closest("form").querySelector('[name="done"]').value = done ? "false" : "true";
  }
  const focusLanes = (now?.dataset.lanes || "").split(" ").filter(Boolean);
  // Steps that work on the board put it first; the others lead with the step's guidance.
  const boardStep = now?.dataset.board === "1";
  if (boardStep !== document.body.classList.contains("board-step")) {
    document.body.classList.toggle("board-step", boardStep);
    if (boardStep) window.scrollTo({ top: 0 }); // the board is now at the top: show it
  }
  for (const row of document.querySelectorAll("#board tr[data-lane]")) {
    row.classList.toggle("focus-lane", focusLanes.includes(row.dataset.lane));
  }
  for (const host of document.querySelectorAll("[data-origin]")) {
    if (!host.textContent.trim()) host.textContent = location.host;
  }
}

refresh();
startTimers(live);
live.connect();
