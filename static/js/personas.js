// Several personas on one map (maps/personas.py): "Show the board for" is this person's own
// view. It hides the other personas' notes and lines with a stylesheet of its own, so notes and
// lines a live update draws are shown or hidden as they arrive, and nobody else's board changes.
// The choice is remembered on this device; a new note is written for the persona shown.
import { $, $$ } from "./dom.js";
import { live } from "./room.js";

const sheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
const stored = `journeymap-persona:${location.pathname}`;

// The persona the board shows ("" for every persona).
export function shownPersona() {
  return $("[data-persona-filter]")?.value || "";
}

function apply() {
  const picker = $("[data-persona-filter]");
  const shown = shownPersona();
  const id = CSS.escape(shown);
  // The stage notes ("Note why") are on the first line unless the board shows one line (app.css).
  document.documentElement.toggleAttribute("data-show-persona", Boolean(shown));
  sheet.replaceSync(
    shown
      ? `.sticky[data-persona]:not([data-persona="${id}"]), .emotion-row:not([data-persona="${id}"]),
         .readings-line:not([data-persona="${id}"]) { display: none; }`
      : "",
  );
  // The note's persona list is the picker's, which the room redraws when the map's personas change.
  const concerns = $("#sticky-dialog [data-style=persona]");
  const options = (select) =>
    [...(select?.options || [])].map((option) => `${option.value}\n${option.text}`).join("\n");
  if (concerns && picker && options(concerns) !== options(picker)) {
    // Only when they differ: a list replaced while it is open would close in the person's hands.
    const kept = concerns.value;
    concerns.replaceChildren(...[...picker.options].map((option) => new Option(option.text, option.value)));
    concerns.value = kept;
  }
  $("[data-personas-field]")?.toggleAttribute("hidden", !picker);
}

document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-persona-filter]")) return;
  localStorage.setItem(stored, event.target.value);
  apply();
});

const picker = $("[data-persona-filter]");
const remembered = localStorage.getItem(stored);
if (picker && remembered && [...picker.options].some((option) => option.value === remembered)) {
  picker.value = remembered;
}
apply();
live.addEventListener("updated", apply);
