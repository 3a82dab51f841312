// The journey board: add, edit, move, recolour, mark, link and delete notes; drafts survive
// live re-renders of their cell, and everything is an op on the room's connection.
import { gettext, live, toast } from "./room.js";

const MAX = 280;
const drafts = new Map(); // cell id -> draft element (a new note being written)
const editors = new Map(); // sticky id -> editor element (a note being edited in place)
const editing = new Map(); // sticky id -> name of who else is editing it
let menuSticky = null; // the note the options dialog is about
let menuStage = null;

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

function canWrite() {
  const body = document.body;
  if (body.classList.contains("role-observer")) return false;
  return body.classList.contains("role-facilitator") || !$("#boardbar")?.classList.contains("locked");
}

// -- writing a new note -----------------------------------------------------------------

function openDraft(cell) {
  if (!canWrite()) return;
  let draft = drafts.get(cell.id);
  if (!draft) {
    draft = document.createElement("div");
    draft.className = "draft";
    draft.dataset.cell = cell.id;
    draft.dataset.local = ""; // a redraw of the cell leaves it be (morph.js, LOCAL_ATTRIBUTE)
    draft.innerHTML = `<textarea rows="3" maxlength="${MAX}"></textarea><p class="help draft-help"></p>`;
    const area = $("textarea", draft);
    area.id = `draft-${cell.id}`;
    area.setAttribute("aria-label", gettext("New note"));
    area.addEventListener("input", () => count(area));
    area.addEventListener("keydown", (event) => onDraftKey(event, draft));
    drafts.set(cell.id, draft);
    count(area);
  }
  attachDraft(draft);
  $("textarea", draft).focus();
}

function count(area) {
  const help = area.nextElementSibling;
  help.textContent = `${gettext("Enter saves · Shift+Enter new line · Escape cancels")} · ${area.value.length}/${MAX}`;
}

function attachDraft(draft) {
  const cell = document.getElementById(draft.dataset.cell);
  if (!cell) {
    drafts.delete(draft.dataset.cell);
    return;
  }
  const add = $(".add-note", cell);
  if (draft.parentElement !== cell) cell.insertBefore(draft, add);
  // A redraw while its field has focus may leave the draft after the button: move the button
  // rather than the draft, which would lose the focus.
  else if (add && draft.nextElementSibling !== add) draft.after(add);
}

function onDraftKey(event, draft) {
  const area = event.target;
  if (event.key === "Escape") {
    event.preventDefault();
    closeDraft(draft);
    return;
  }
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  const text = area.value.trim();
  if (!text) return;
  const cell = document.getElementById(draft.dataset.cell);
  const id = live.send("sticky.create", { stage: cell.dataset.stage, lane: cell.dataset.lane, text });
  showPending(cell, text, id);
  area.value = "";
  count(area);
}

function closeDraft(draft) {
  const cell = document.getElementById(draft.dataset.cell);
  drafts.delete(draft.dataset.cell);
  draft.remove();
  $(".add-note", cell)?.focus();
}

// Shown at once; gone when the op is settled (saved: the note itself has come by then, or
// refused), or when the cell is drawn again.
function showPending(cell, text, id) {
  const item = document.createElement("li");
  item.className = "sticky pending";
  item.dataset.op = id;
  item.textContent = text;
  const note = document.createElement("span");
  note.className = "pending-note";
  note.textContent = live.isOpen() ? gettext("Saving…") : gettext("Will be sent when you are back online");
  item.append(note);
  $(".notes", cell).append(item);
}

// -- editing a note in place --------------------------------------------------------------

function openEditor(sticky) {
  if (!canWrite() || editors.has(sticky.dataset.sticky)) return;
  const id = sticky.dataset.sticky;
  const editor = document.createElement("textarea");
  editor.className = "editor";
  editor.id = `edit-${id}`;
  editor.maxLength = MAX;
  editor.rows = 3;
  editor.value = $(".sticky-text", sticky).innerText.trim();
  editor.dataset.original = editor.value;
  editor.dataset.sticky = id;
  editor.dataset.local = ""; // a redraw of the note leaves it be (morph.js, LOCAL_ATTRIBUTE)
  editor.setAttribute("aria-label", gettext("Edit note"));
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeEditor(id, true);
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      const text = editor.value.trim();
      if (text && text !== editor.dataset.original) live.send("sticky.edit", { sticky: id, text });
      closeEditor(id, true);
    }
  });
  editors.set(id, editor);
  attachEditor(editor);
  editor.focus();
  editor.select();
  live.send("sticky.editing", { sticky: id, editing: true });
}

function attachEditor(editor) {
  const sticky = document.getElementById(`sticky-${editor.dataset.sticky}`);
  if (!sticky) {
    editors.delete(editor.dataset.sticky);
    toast(gettext("Someone deleted the note you were editing."));
    return;
  }
  sticky.classList.add("editing"); // a redraw of the note takes the class off
  const text = $(".sticky-text", sticky);
  if (editor.parentElement !== sticky) {
    text.after(editor);
    return;
  }
  // A redraw while the editor has focus may leave it last in the note: put what came between
  // back after it, rather than move it (which would lose the focus).
  while (editor.previousElementSibling && editor.previousElementSibling !== text) {
    editor.after(editor.previousElementSibling);
  }
}

function closeEditor(id, refocus) {
  const editor = editors.get(id);
  if (!editor) return;
  editors.delete(id);
  editor.parentElement?.classList.remove("editing");
  editor.remove();
  live.send("sticky.editing", { sticky: id, editing: false });
  if (refocus) document.getElementById(`sticky-${id}`)?.focus();
}

// -- deleting, with a few seconds to undo -------------------------------------------------

function deleteSticky(id) {
  live.send("sticky.delete", { sticky: id });
  toast(gettext("Note deleted."), "info", {
    label: gettext("Undo"),
    run: () => live.send("sticky.restore", { sticky: id }),
  });
}

// -- moving -------------------------------------------------------------------------------

function stageIds() {
  return $$("#board thead th[data-stage]").map((th) => th.dataset.stage);
}

function moveTo(sticky, stage, lane, position) {
  live.send("sticky.move", { sticky: sticky.dataset.sticky, stage, lane, position });
}

function moveBy(sticky, direction) {
  const cell = sticky.closest(".cell");
  const stages = stageIds();
  const index = stages.indexOf(cell.dataset.stage);
  const siblings = $$(".sticky[data-sticky]", cell);
  const here = siblings.indexOf(sticky);
  if (direction === "left" && index > 0) moveTo(sticky, stages[index - 1], cell.dataset.lane, 9999);
  if (direction === "right" && index < stages.length - 1) moveTo(sticky, stages[index + 1], cell.dataset.lane, 9999);
  if (direction === "up" && here > 0) moveTo(sticky, cell.dataset.stage, cell.dataset.lane, here - 1);
  if (direction === "down" && here < siblings.length - 1) moveTo(sticky, cell.dataset.stage, cell.dataset.lane, here + 1);
}

let dragged = null;

document.addEventListener("dragstart", (event) => {
  const sticky = event.target.closest?.(".sticky[data-sticky]");
  if (!sticky || !canWrite()) return;
  dragged = sticky;
  sticky.classList.add("dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", sticky.dataset.sticky);
});

document.addEventListener("dragend", () => {
  dragged?.classList.remove("dragging");
  dragged = null;
  $$(".cell.drop-target").forEach((cell) => cell.classList.remove("drop-target"));
});

document.addEventListener("dragover", (event) => {
  const cell = event.target.closest?.(".cell");
  if (!cell || !dragged) return;
  event.preventDefault();
  $$(".cell.drop-target").forEach((other) => other !== cell && other.classList.remove("drop-target"));
  cell.classList.add("drop-target");
});

document.addEventListener("drop", (event) => {
  const cell = event.target.closest?.(".cell");
  if (!cell || !dragged) return;
  event.preventDefault();
  const others = $$(".sticky[data-sticky]", cell).filter((s) => s !== dragged);
  let position = others.findIndex((s) => {
    const box = s.getBoundingClientRect();
    return event.clientY < box.top + box.height / 2;
  });
  if (position < 0) position = others.length;
  const list = $(".notes", cell);
  list.insertBefore(dragged, others[position] || null); // at once; the server's render follows
  moveTo(dragged, cell.dataset.stage, cell.dataset.lane, position);
  cell.classList.remove("drop-target");
});

// -- the note's options dialog ----------------------------------------------------------

function openMenu(sticky) {
  menuSticky = sticky.dataset.sticky;
  fillMenu();
  $("#sticky-dialog").showModal();
}

function fillMenu() {
  const dialog = $("#sticky-dialog");
  const sticky = document.getElementById(`sticky-${menuSticky}`);
  if (!sticky) {
    if (dialog.open) dialog.close();
    return;
  }
  $("[data-sticky-text]", dialog).textContent = $(".sticky-text", sticky).innerText;
  for (const swatch of $$("[data-style=colour]", dialog)) {
    swatch.setAttribute("aria-pressed", String(swatch.dataset.value === sticky.dataset.colour));
  }
  // The control in the person's hands keeps what they just chose: an update for an earlier
  // change must not flip it back before their own change has come round.
  const settle = (control, value) => {
    if (control !== document.activeElement) control[control.type === "checkbox" ? "checked" : "value"] = value;
  };
  for (const box of $$("input[type=checkbox][data-style]", dialog)) {
    settle(box, sticky.dataset[camel(box.dataset.style)] === "1");
  }
  for (const control of $$("select[data-style], input[data-style]:not([type=checkbox])", dialog)) {
    settle(control, sticky.dataset[camel(control.dataset.style)] ?? "");
  }
  // Pain points and opportunities have fields of their own.
  const laneKey = sticky.closest("tr").dataset.lane;
  for (const part of $$("[data-lane-only]", dialog)) part.hidden = !part.dataset.laneOnly.split(" ").includes(laneKey);
  $("[data-channel-field]", dialog).hidden = !sticky.closest("tr").hasAttribute("data-channel");
  const cell = sticky.closest(".cell");
  $("select[data-move-lane]", dialog).value = cell.dataset.lane;
  const links = (sticky.dataset.links || "").split(" ").filter(Boolean);
  const target = $("select[data-link-target]", dialog);
  target.replaceChildren();
  for (const other of $$(`.cell[data-stage="${cell.dataset.stage}"] .sticky[data-sticky]`)) {
    if (other === sticky) continue;
    const option = new Option(
      `${links.includes(other.dataset.sticky) ? "↔ " : ""}${$(".sticky-text", other).innerText.slice(0, 60)}`,
      other.dataset.sticky,
    );
    target.append(option);
  }
}

function camel(name) {
  return name.replace(/_(\w)/g, (_m, c) => c.toUpperCase());
}

document.addEventListener("change", (event) => {
  const control = event.target;
  if (control.closest("#sticky-dialog") && control.dataset.style && menuSticky) {
    const value = control.type === "checkbox" ? control.checked : control.value;
    live.send("sticky.style", { sticky: menuSticky, [control.dataset.style]: value });
  }
  if (control.matches("#sticky-dialog [data-move-lane]") && menuSticky) {
    const sticky = document.getElementById(`sticky-${menuSticky}`);
    moveTo(sticky, sticky.closest(".cell").dataset.stage, control.value, 9999);
  }
  if (control.matches("form[data-autosave] textarea")) control.form.requestSubmit();
});

document.addEventListener("click", (event) => {
  const target = event.target;
  const add = target.closest("[data-add-note]");
  if (add) return openDraft(add.closest(".cell"));
  const menuButton = target.closest("[data-sticky-menu]");
  if (menuButton) return openMenu(menuButton.closest(".sticky"));
  const dialog = target.closest("#sticky-dialog");
  if (dialog && menuSticky) {
    const sticky = document.getElementById(`sticky-${menuSticky}`);
    if (target.matches("[data-style=colour]")) {
      live.send("sticky.style", { sticky: menuSticky, colour: target.dataset.value });
    } else if (target.matches("[data-move]") && sticky) {
      moveBy(sticky, target.dataset.move);
    } else if (target.matches("[data-link]")) {
      const to = $("select[data-link-target]", dialog).value;
      if (to) live.send("sticky.link", { sticky: menuSticky, to, linked: target.dataset.link === "true" });
    } else if (target.matches("[data-edit-note]") && sticky) {
      dialog.close();
      openEditor(sticky);
    } else if (target.matches("[data-delete-note]")) {
      dialog.close();
      deleteSticky(menuSticky);
    }
    return;
  }
  const stageButton = target.closest("[data-stage-menu]");
  if (stageButton) return openStageMenu(stageButton);
  const stageDialog = target.closest("#stage-dialog");
  if (stageDialog && menuStage) {
    if (target.matches("[data-stage-move]")) {
      const position = stageIds().indexOf(menuStage) + Number(target.dataset.stageMove);
      if (position >= 0) live.send("stage.move", { stage: menuStage, position });
    } else if (target.matches("[data-stage-delete]")) {
      stageDialog.close();
      live.send("stage.delete", { stage: menuStage });
    }
    return;
  }
  const opener = target.closest("[data-open-dialog]");
  if (opener) document.getElementById(opener.dataset.openDialog)?.showModal();
});

document.addEventListener("dblclick", (event) => {
  const sticky = event.target.closest(".sticky[data-sticky]");
  if (sticky && !event.target.closest("button, textarea")) openEditor(sticky);
});

function openStageMenu(button) {
  menuStage = button.dataset.stageMenu;
  const dialog = $("#stage-dialog");
  $("input[name=name]", dialog).value = button.dataset.name;
  dialog.showModal();
}

document.addEventListener("submit", (event) => {
  const figure = event.target.closest("form[data-metric-add]");
  if (figure) {
    event.preventDefault();
    live.send("metric.add", { stage: menuStage, ...Object.fromEntries(new FormData(figure)) });
    figure.reset();
    $("#stage-dialog").close();
    return;
  }
  const form = event.target.closest("form[data-stage-rename]");
  if (!form) return;
  event.preventDefault();
  live.send("stage.rename", { stage: menuStage, name: form.elements.name.value });
  $("#stage-dialog").close();
});

// Keyboard: Enter edits the focused note, Delete deletes it, Alt+arrows move it, M opens its options.
document.addEventListener("keydown", (event) => {
  const sticky = event.target.closest?.(".sticky[data-sticky]");
  if (!sticky || event.target !== sticky || !canWrite()) return;
  const moves = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" };
  if (event.key === "Enter") {
    event.preventDefault();
    openEditor(sticky);
  } else if (event.key === "Delete" || event.key === "Backspace") {
    event.preventDefault();
    deleteSticky(sticky.dataset.sticky);
  } else if (event.altKey && moves[event.key]) {
    event.preventDefault();
    moveBy(sticky, moves[event.key]);
  } else if (event.key === "m" || event.key === "ContextMenu") {
    event.preventDefault();
    openMenu(sticky);
  }
});

// -- rating the emotion line --------------------------------------------------------------

// This person's own ratings: drawn only in renders made for them (the page, a resync), so they
// are remembered here and shown again after every common update.
const myRatings = new Map();

function showRatings() {
  // A render for this person is the truth, except where a rating of theirs is still on its way.
  const sending = new Set(live.pending("emotion.rate").map((item) => String(item.data.stage)));
  for (const cell of $$("#emotion .emotion-cell")) {
    if (cell.dataset.mine !== undefined && !sending.has(cell.dataset.stage)) {
      myRatings.set(cell.dataset.stage, cell.dataset.mine);
    }
    const mine = myRatings.get(cell.dataset.stage);
    for (const button of $$("[data-rate]", cell)) {
      button.setAttribute("aria-pressed", String(button.dataset.rate === mine));
    }
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-rate]");
  if (!button || !canWrite()) return;
  const stage = button.closest(".emotion-cell").dataset.stage;
  myRatings.set(stage, button.dataset.rate);
  live.send("emotion.rate", { stage, value: Number(button.dataset.rate) });
  showRatings();
});
showRatings();

// -- dot voting ---------------------------------------------------------------------------

// This person's dots on each note of the open vote. Only renders made for them carry it
// (data-mine); common updates keep what is known here.
let voteId = null;
const myDots = new Map();

function showDots() {
  const panel = $("#vote");
  if (!panel?.dataset.vote) return;
  if (panel.dataset.vote !== voteId) {
    voteId = panel.dataset.vote;
    myDots.clear();
  }
  let used = 0;
  const sending = new Set(live.pending("vote.cast").map((item) => String(item.data.sticky)));
  for (const item of $$(".candidate", panel)) {
    if (item.dataset.mine !== undefined && !sending.has(item.dataset.sticky)) {
      myDots.set(item.dataset.sticky, Number(item.dataset.mine));
    }
    const mine = myDots.get(item.dataset.sticky) || 0;
    used += mine;
    $(".my-count", item).textContent = String(mine);
    item.classList.toggle("has-dots", mine > 0);
  }
  const left = $("[data-dots-left]", panel);
  if (left) left.textContent = String(Number(panel.dataset.budget) - used);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dot]");
  if (!button || !canWrite()) return;
  const sticky = button.closest(".candidate").dataset.sticky;
  const add = button.dataset.dot === "add";
  const mine = myDots.get(sticky) || 0;
  if (!add && mine === 0) return;
  myDots.set(sticky, mine + (add ? 1 : -1)); // shown at once; undone if the server says no
  live.send("vote.cast", { sticky, add });
  showDots();
});

live.addEventListener("refused", (event) => {
  const { op, sent } = event.detail;
  if (op !== "vote.cast" || !sent) return;
  const mine = myDots.get(String(sent.data.sticky)) || 0;
  myDots.set(String(sent.data.sticky), Math.max(0, mine + (sent.data.add ? -1 : 1)));
  showDots();
});
showDots();

// -- zoom to fit: the whole journey at once, for a projector ------------------------------

let fit = localStorage.getItem("journeymap-fit") === "1";

function applyFit() {
  const table = $("#board .grid");
  const frame = $("#board .board-scroll");
  if (!table || !frame) return;
  table.style.zoom = "";
  const scale = fit ? Math.min(1, frame.clientWidth / table.scrollWidth) : 1;
  if (scale < 1) table.style.zoom = String(Math.max(scale, 0.3));
  $("[data-board-fit]")?.setAttribute("aria-pressed", String(fit));
}

document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-board-fit]")) return;
  fit = !fit;
  localStorage.setItem("journeymap-fit", fit ? "1" : "0");
  applyFit();
});
window.addEventListener("resize", applyFit);
applyFit();

// -- who is editing what, and keeping local work through live updates -----------------------

live.addEventListener("editing", (event) => {
  const { sticky, name, editing: on, participant } = event.detail;
  if (String(participant) === document.getElementById("room").dataset.me) return;
  if (on) editing.set(String(sticky), name);
  else editing.delete(String(sticky));
  showEditing();
});

function showEditing() {
  for (const badge of $$(".editing-badge")) {
    const id = badge.closest(".sticky").dataset.sticky;
    const name = editing.get(id);
    badge.hidden = !name;
    badge.textContent = name ? gettext("{name} is editing").replace("{name}", name) : "";
  }
}

live.addEventListener("updated", () => {
  const focused = document.activeElement === document.body ? lastFocus : null;
  drafts.forEach((draft) => attachDraft(draft));
  editors.forEach((editor) => attachEditor(editor));
  showEditing();
  showRatings();
  showDots();
  applyFit();
  if (menuSticky && $("#sticky-dialog").open) fillMenu();
  if (focused?.isConnected) focused.focus();
});

let lastFocus = null;
document.addEventListener("focusin", (event) => {
  if (event.target.matches("textarea")) lastFocus = event.target;
});

// Ops written offline and not yet acked are shown as pending after a reload.
for (const item of live.pending("sticky.create")) {
  const cell = $(`.cell[data-stage="${item.data.stage}"][data-lane="${item.data.lane}"]`);
  if (cell) showPending(cell, item.data.text, item.id);
}
live.addEventListener("settled", (event) => {
  for (const item of $$("li.pending[data-op]")) if (item.dataset.op === event.detail.id) item.remove();
});
