// Counts down from the server's deadline, corrected for this clock's offset (DESIGN.md, timer).
// Every browser computes the same time left; nothing here decides anything.

let audio = null;
let chimedFor = null;

document.addEventListener("pointerdown", unlockAudio, { once: true });
document.addEventListener("keydown", unlockAudio, { once: true });

function unlockAudio() {
  try {
    audio = audio || new AudioContext();
  } catch {
    audio = null;
  }
}

function chime() {
  if (!audio) return;
  const start = audio.currentTime;
  for (const [i, freq] of [659.25, 880].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.15, start + i * 0.35 + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.35 + 1.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.35);
    osc.stop(start + i * 0.35 + 1.3);
  }
}

export function clock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, "0")}`;
}

export function timeLeft(el, serverNow) {
  if (el.dataset.running !== "1") return Number(el.dataset.remaining);
  return Number(el.dataset.deadline) - serverNow;
}

function tick(live) {
  for (const el of document.querySelectorAll(".timer")) {
    const left = timeLeft(el, live.serverNow());
    const digits = el.querySelector(".timer-digits");
    const text = clock(left);
    if (digits.textContent !== text) digits.textContent = text;
    // The header repeats the step and the time, so they stay in view while the board scrolls.
    const mini = document.querySelector(".mini-timer");
    if (mini && el.closest("#now")) {
      mini.querySelector(".mini-digits").textContent = text;
      mini.querySelector(".mini-step").textContent = document.getElementById("now-title")?.textContent || "";
    }
    const spoken = el.querySelector(".timer-spoken");
    if (spoken?.dataset.template) spoken.textContent = spoken.dataset.template.replace("{left}", text);
    const running = el.dataset.running === "1";
    const up = running && left <= 0;
    const panel = el.closest(".now");
    if (panel && panel.classList.contains("up") !== up) {
      panel.classList.toggle("up", up);
      const state = el.querySelector(".timer-state");
      if (up && state) state.textContent = state.dataset.upLabel || state.textContent;
    }
    if (up && chimedFor !== el.dataset.deadline) {
      // Chime only when it runs out while watching, not on every reload after the fact.
      if (left > -3000) {
        chime();
        document.dispatchEvent(new CustomEvent("timeup"));
      }
      chimedFor = el.dataset.deadline;
    }
  }
}

export function startTimers(live) {
  tick(live);
  live.addEventListener("updated", () => tick(live));
  setInterval(() => tick(live), 250);
}
