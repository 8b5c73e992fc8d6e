// Status messages: shown briefly as a toast and read out by screen readers (the live region).
let timer;

export function announce(message, { ms = 4000 } = {}) {
  const box = document.getElementById("status");
  if (!box) return;
  // Clearing first makes a repeated message be read again.
  box.textContent = "";
  box.classList.remove("show");
  requestAnimationFrame(() => {
    box.textContent = message;
    box.classList.add("show");
  });
  clearTimeout(timer);
  timer = setTimeout(() => box.classList.remove("show"), ms);
}
