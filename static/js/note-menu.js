// The options dialogs: a note's (colour, marks, figures, follow-up, evidence, lane, links, edit,
// delete) and a stage's (rename, move, delete, add a figure), plus the keys that reach the same actions
// from a focused note. Each control sends its op at once; a live update refills the open
// dialog without undoing the control in the person's hands.
import { $, $$, canWrite } from "./dom.js";
import { deleteSticky, moveBy, moveTo, openEditor, stageIds } from "./notes.js";
import { live } from "./room.js";

let menuSticky = null; // the note the options dialog is about
let menuStage = null;

function openMenu(sticky) {
  menuSticky = sticky.dataset.sticky;
  fillMenu();
  // What settled it: filled once, as the dialog opens, so that an update never takes what the
  // person is typing there; it is sent only by "Record the evidence".
  const dialog = $("#sticky-dialog");
  const fields = { evidence: sticky.dataset.evidence, source: sticky.dataset.evidenceSource, note: sticky.dataset.evidenceNote };
  for (const control of $$("[data-settle-field]", dialog)) control.value = fields[control.dataset.settleField] || "";
  const level = $("[data-settle-field=evidence]", dialog);
  if (!level.value) level.selectedIndex = 0;
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
  // Fold into: another note of this lane, in any stage (a note saying the same may sit elsewhere).
  const into = $("select[data-fold-target]", dialog);
  into.replaceChildren();
  for (const other of $$(`.cell[data-lane="${cell.dataset.lane}"] .sticky[data-sticky]`)) {
    if (other !== sticky) into.append(new Option($(".sticky-text", other).innerText.slice(0, 60), other.dataset.sticky));
  }
  $("[data-fold]", dialog).disabled = !into.options.length;
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
});

document.addEventListener("click", (event) => {
  const target = event.target;
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
    } else if (target.matches("[data-fold]")) {
      const into = $("select[data-fold-target]", dialog).value;
      if (into) live.send("sticky.fold", { sticky: into, notes: [menuSticky] });
      dialog.close();
    } else if (target.matches("[data-settle-save]")) {
      const data = { sticky: menuSticky };
      for (const control of $$("[data-settle-field]", dialog)) data[control.dataset.settleField] = control.value;
      live.send("sticky.settle", data);
    } else if (target.matches("[data-spotlight-note]")) {
      live.send("spotlight.set", { target: `sticky-${menuSticky}` });
      dialog.close();
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
    } else if (target.matches("[data-spotlight-stage]")) {
      stageDialog.close();
      live.send("spotlight.set", { target: `stage-${menuStage}` });
    } else if (target.matches("[data-stage-delete]")) {
      stageDialog.close();
      live.send("stage.delete", { stage: menuStage });
    }
    return;
  }
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

live.addEventListener("updated", () => {
  if (menuSticky && $("#sticky-dialog").open) fillMenu();
});
