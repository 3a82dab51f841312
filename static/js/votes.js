// Dot voting: this person's dots on the open vote's notes, shown at once and undone if refused.
import { $, $$, canWrite } from "./dom.js";
import { live } from "./room.js";

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
live.addEventListener("updated", showDots);
