// "Bring everyone here": the facilitator puts a stage, a cell or a note in the spotlight
// (spotlight.set); every page scrolls to it once and marks it. A person may look elsewhere
// and come back with "Go there" in the board bar or the header. A page where someone is typing
// is not scrolled away from their text: the buttons wait for them.
import { $ } from "./dom.js";
import { live } from "./room.js";

let shown = null; // the target this page last went to

function element(target) {
  return target ? document.getElementById(target) : null;
}

function mark(target) {
  for (const old of document.querySelectorAll(".spotlit")) if (old.id !== target) old.classList.remove("spotlit");
  element(target)?.classList.add("spotlit"); // a redraw of the part takes it off: put back below
}

function go(target) {
  const there = element(target);
  if (!there) return;
  const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  there.scrollIntoView({ block: "center", inline: "center", behavior: reduce ? "auto" : "smooth" });
}

function typing() {
  const active = document.activeElement;
  return Boolean(active?.matches("textarea, input[type=text], input:not([type]), select, [contenteditable]"));
}

function follow() {
  const target = $("#boardbar")?.dataset.spotlight || "";
  mark(target);
  // The header stays in view while the board scrolls: its button goes there from anywhere.
  const header = $(".header-spotlight");
  if (header) header.hidden = !target;
  if (target === shown) return;
  shown = target;
  if (target && !typing()) go(target);
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-go-spotlight]")) go($("#boardbar").dataset.spotlight);
});

live.addEventListener("updated", follow);
follow();
