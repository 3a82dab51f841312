// The board's notes: write, edit in place, delete with undo, move (drag and drop or the
// keyboard), each an op on the room's connection. A note being written or edited is this
// page's own and survives every live redraw of its cell (docs/protocol.md, "Work in progress").
import { $, $$, canWrite } from "./dom.js";
import { shownPersona } from "./personas.js";
import { gettext, live, toast } from "./room.js";

const MAX = 280;
const drafts = new Map(); // cell id -> draft element (a new note being written)
const editors = new Map(); // sticky id -> editor element (a note being edited in place)
const editing = new Map(); // sticky id -> name of who else is editing it

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
  const data = { stage: cell.dataset.stage, lane: cell.dataset.lane, text };
  if (shownPersona()) data.persona = shownPersona();
  const id = live.send("sticky.create", data);
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

export function openEditor(sticky) {
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

export function deleteSticky(id) {
  live.send("sticky.delete", { sticky: id });
  toast(gettext("Note deleted."), "info", {
    label: gettext("Undo"),
    run: () => live.send("sticky.restore", { sticky: id }),
  });
}

// -- moving -------------------------------------------------------------------------------

export function stageIds() {
  return $$("#board thead th[data-stage]").map((th) => th.dataset.stage);
}

export function moveTo(sticky, stage, lane, position) {
  live.send("sticky.move", { sticky: sticky.dataset.sticky, stage, lane, position });
}

export function moveBy(sticky, direction) {
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
  $$(".sticky.fold-target").forEach((note) => note.classList.remove("fold-target"));
});

// Dropped on the middle of another note of its lane, a note folds into it (the two say the
// same thing; maps/services/folding.py); dropped anywhere else in a cell, it moves there.
function foldTarget(event) {
  const onto = event.target.closest?.(".sticky[data-sticky]");
  if (!onto || onto === dragged || onto.closest("tr") !== dragged.closest("tr")) return null;
  const box = onto.getBoundingClientRect();
  return event.clientY > box.top + box.height / 4 && event.clientY < box.bottom - box.height / 4 ? onto : null;
}

document.addEventListener("dragover", (event) => {
  const cell = event.target.closest?.(".cell");
  if (!cell || !dragged) return;
  event.preventDefault();
  const onto = foldTarget(event);
  $$(".sticky.fold-target").forEach((note) => note !== onto && note.classList.remove("fold-target"));
  onto?.classList.add("fold-target");
  $$(".cell.drop-target").forEach((other) => (other !== cell || onto) && other.classList.remove("drop-target"));
  if (!onto) cell.classList.add("drop-target");
});

document.addEventListener("drop", (event) => {
  const cell = event.target.closest?.(".cell");
  if (!cell || !dragged) return;
  event.preventDefault();
  const onto = foldTarget(event);
  if (onto) {
    onto.classList.remove("fold-target");
    live.send("sticky.fold", { sticky: onto.dataset.sticky, notes: [dragged.dataset.sticky] });
    return;
  }
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

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-note]");
  if (add) openDraft(add.closest(".cell"));
});

document.addEventListener("dblclick", (event) => {
  const sticky = event.target.closest(".sticky[data-sticky]");
  if (sticky && !event.target.closest("button, textarea")) openEditor(sticky);
});

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
