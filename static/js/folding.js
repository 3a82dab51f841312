// Similar notes: the facilitator's suggestions (found on the server, across languages), folding
// notes into one and unfolding them again (docs/protocol.md, "Similar notes and folding").
// Suggestions and a folded note's originals are read over HTTP into their dialogs; every change
// is an op on the room's connection, refused ones shown by room.js.
import { $, $$ } from "./dom.js";
import { gettext, live, toast } from "./room.js";

async function load(dialog, params, body) {
  const url = `${dialog.dataset.url}?${new URLSearchParams(params)}`;
  body.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { headers: { "HX-Request": "true" } });
    if (!response.ok) throw new Error(String(response.status));
    body.innerHTML = await response.text(); // drawn by our server, escaped there
  } catch {
    body.textContent = gettext("Could not load this. Check the connection and try again.");
  } finally {
    body.removeAttribute("aria-busy");
  }
}

function findSimilar() {
  const dialog = $("#similar-dialog");
  const form = $("[data-similar-form]", dialog);
  const body = $("[data-similar-body]", dialog);
  body.textContent = gettext("Looking for notes that say the same thing…");
  if (!dialog.open) dialog.showModal();
  return load(dialog, Object.fromEntries(new FormData(form)), body);
}

function ticked(suggestion) {
  return $$("[data-suggested-note]", suggestion)
    .filter((box) => box.checked)
    .map((box) => box.value);
}

function settle(suggestion, message) {
  const list = suggestion.closest(".suggestions");
  suggestion.remove();
  toast(message, "info");
  if (list && !list.children.length) list.replaceWith(document.createTextNode(gettext("No suggestions left.")));
}

document.addEventListener("submit", (event) => {
  if (event.target.matches("[data-similar-form]")) {
    event.preventDefault();
    findSimilar();
    return;
  }
  // A suggestion's form: its buttons name the op (and post it without JavaScript).
  const suggestion = event.target.closest("[data-suggestion]");
  if (!suggestion || !event.target.matches("[data-fold-form]")) return;
  event.preventDefault();
  if (event.submitter?.value === "similar.dismiss") {
    live.send("similar.dismiss", { notes: suggestion.dataset.suggestion.split(",") });
    settle(suggestion, gettext("Left as they are; they will not be suggested together again."));
    return;
  }
  const [into, ...notes] = ticked(suggestion);
  if (!notes.length) {
    toast(gettext("Tick at least two notes to fold them."));
    return;
  }
  live.send("sticky.fold", { sticky: into, notes });
  settle(suggestion, gettext("Folded into one note."));
});

document.addEventListener("click", (event) => {
  const target = event.target;
  if (target.closest("[data-open-similar]")) {
    findSimilar();
    return;
  }
  const chip = target.closest("[data-folded]");
  if (chip) {
    const dialog = $("#folded-dialog");
    const body = $("[data-folded-body]", dialog);
    body.textContent = gettext("Loading…");
    dialog.showModal();
    load(dialog, { note: chip.dataset.folded }, body);
    return;
  }
  const unfold = target.closest("[data-unfold]");
  if (unfold) {
    live.send("sticky.unfold", { sticky: unfold.dataset.unfold });
    $("#folded-dialog").close();
  }
});

// Right after the facilitator reveals privately written notes, the wall is at its most
// repetitive: offer to look for notes that say the same thing.
let privateWriting = Boolean($("#reveal"));
live.addEventListener("updated", () => {
  const now = Boolean($("#reveal"));
  if (privateWriting && !now && document.body.classList.contains("role-facilitator")) {
    toast(gettext("Notes revealed. Many may say the same thing."), "info", {
      label: gettext("Find similar notes"),
      run: findSimilar,
    });
  }
  privateWriting = now;
});
