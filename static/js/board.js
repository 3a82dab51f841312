// The journey board (room.html): one module per feature, and the board's page-wide bits.
import "./notes.js";
import "./note-menu.js";
import "./emotion.js";
import "./votes.js";
import "./fit.js";
import "./folding.js";
import "./spotlight.js";
import "./personas.js";

document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) document.getElementById(opener.dataset.openDialog)?.showModal();
});

// The backstory's fields save as the person leaves them (no button to forget).
document.addEventListener("change", (event) => {
  const control = event.target;
  if (control.matches("form[data-autosave] textarea")) control.form.requestSubmit();
});
