// Zoom to fit: the whole journey at once, for a projector; remembered on this device.
import { $ } from "./dom.js";
import { live } from "./room.js";

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
live.addEventListener("updated", applyFit);
