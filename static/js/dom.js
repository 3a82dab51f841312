// What the board's modules share: element lookups, and whether this person may write now.
export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// Observers never write; members write while the board is not locked; the facilitator always.
export function canWrite() {
  const body = document.body;
  if (body.classList.contains("role-observer")) return false;
  return body.classList.contains("role-facilitator") || !$("#boardbar")?.classList.contains("locked");
}
