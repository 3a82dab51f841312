// The emotion line: this person rates how the customer feels at each stage.
import { $$, canWrite } from "./dom.js";
import { gettext, live, toast } from "./room.js";

// This person's own ratings: drawn only in renders made for them (the page, a resync), so they
// are remembered here and shown again after every common update. One per stage and persona
// (a map of several personas draws a line for each: maps/personas.py).
const myRatings = new Map();
const keyOf = (persona, stage) => `${persona || ""}:${stage}`;

function showRatings() {
  // A render for this person is the truth, except where a rating of theirs is still on its way.
  const sending = new Set(live.pending("emotion.rate").map((item) => keyOf(item.data.persona, item.data.stage)));
  for (const cell of $$("#emotion .emotion-cell")) {
    const key = keyOf(cell.closest(".emotion-row").dataset.persona, cell.dataset.stage);
    if (cell.dataset.mine !== undefined && !sending.has(key)) myRatings.set(key, cell.dataset.mine);
    const mine = myRatings.get(key);
    for (const button of $$("[data-rate]", cell)) {
      button.setAttribute("aria-pressed", String(button.dataset.rate === mine));
    }
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-rate]");
  if (!button || !canWrite()) return;
  const stage = button.closest(".emotion-cell").dataset.stage;
  const persona = button.closest(".emotion-row").dataset.persona;
  myRatings.set(keyOf(persona, stage), button.dataset.rate);
  const data = { stage, value: Number(button.dataset.rate) };
  if (persona) data.persona = persona;
  live.send("emotion.rate", data);
  showRatings();
});
showRatings();
live.addEventListener("updated", showRatings);

// A "why do we see this differently?" round opens below the board, maybe out of view: say so,
// with a button that goes there (the page itself does not move).
let roundOpen = !document.getElementById("why")?.hidden;
live.addEventListener("updated", () => {
  const panel = document.getElementById("why");
  const open = Boolean(panel && !panel.hidden);
  if (open && !roundOpen) {
    toast(panel.querySelector("h2")?.textContent || "", "info", {
      label: gettext("Go there"),
      run: () => {
        panel.scrollIntoView({ block: "center" });
        document.getElementById("why-text")?.focus({ preventScroll: true });
      },
    });
  }
  roundOpen = open;
});
