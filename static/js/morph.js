// Morphing (imported by live.js): a live update changes what the server drew, never what the
// person is doing (docs/protocol.md, "Work in progress"). A part's root says hx-swap-oob="morph", <body> says
// hx-ext="morph" (base.html), and htmx hands the swap to this extension, which morphs the part
// with Idiomorph (static/vendor/idiomorph): nodes stay where they match, so focus, caret,
// selection and scroll positions stay with them.
//
// Idiomorph's own ignoreActiveValue is not used: besides a focused field's value, it freezes
// the *contents* of whatever has focus, such as a focused note or the guidance panel.

// On an element this page made itself (a note being written or edited): redraws leave it be.
const LOCAL_ATTRIBUTE = "data-local";

const MORPH = {
  morphStyle: "outerHTML",
  callbacks: {
    beforeNodeMorphed: (old, fresh) => {
      settleField(old, fresh);
    },
    beforeAttributeUpdated: (name, element) => !isThePersons(name, element),
    beforeNodeRemoved: (node) => !(node instanceof Element && node.hasAttribute(LOCAL_ATTRIBUTE)),
  },
};

// Fields whose value the person changed, found as each is about to be morphed (the morph
// itself changes what the test compares with).
const changedFields = new WeakSet();

// Attributes that hold the person's state rather than the server's.
function isThePersons(name, element) {
  if (name === "open") return element.matches("details, dialog"); // opened and closed here
  if (name === "style") return true; // set by scripts: the CSP lets the server draw none
  if (name === "value" || name === "checked" || name === "selected") {
    return changedFields.has(element.closest("select") || element);
  }
  return false;
}

// A field that no longer holds what the server last drew in it was changed by the person.
function changedHere(field) {
  if (field instanceof HTMLSelectElement) {
    return [...field.options].some((option) => option.selected !== option.defaultSelected);
  }
  if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
  const typed = field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement;
  return typed && field.value !== field.defaultValue;
}

// The server drew a field again. What it drew becomes the field's default (what "changed here"
// compares with, and what a reset goes back to); a value the person changed stays. So the field
// follows the server again once the server has caught up with the person. (A textarea's default
// is its text, which the morph updates by itself; an option's, whether it is selected.)
function settleField(old, fresh) {
  if (!(old instanceof Element) || old.tagName !== fresh.tagName) return;
  if (old.matches("input, textarea, select")) {
    if (!changedHere(old)) {
      changedFields.delete(old);
      return;
    }
    changedFields.add(old);
    if (old instanceof HTMLInputElement) {
      if (fresh.hasAttribute("value")) old.defaultValue = fresh.defaultValue;
      else old.removeAttribute("value");
      old.defaultChecked = fresh.defaultChecked;
    }
  } else if (old instanceof HTMLOptionElement && changedFields.has(old.closest("select"))) {
    const select = old.closest("select");
    const chosen = [...select.selectedOptions];
    old.defaultSelected = fresh.defaultSelected; // may select it: the person's choice goes back
    for (const option of select.options) option.selected = chosen.includes(option);
  }
}

// Not the package's own extension (dist/idiomorph-ext.js): in 0.8.0 it claims every swap style
// as an inline one, which breaks the notes' beforeend / beforebegin swaps (idiomorph#148), and
// it reads "morph:{…}" options with Function(), which the CSP forbids.
if (window.htmx && window.Idiomorph) {
  window.htmx.defineExtension("morph", {
    isInlineSwap: (style) => style === "morph",
    handleSwap: (style, target, fragment) =>
      style === "morph" && window.Idiomorph.morph(target, fragment.children, MORPH),
  });
}
