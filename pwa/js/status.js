// Status messages: shown briefly as a toast and read out by screen readers (the live region).
// A toast never covers what was just saved: given that element, it moves to the other end of
// the screen when the two would overlap.
let timer;

export function announce(message, { ms = 4000, avoid = null } = {}) {
  const box = document.getElementById("status");
  if (!box) return;
  // Clearing first makes a repeated message be read again.
  box.textContent = "";
  box.classList.remove("show", "top");
  requestAnimationFrame(() => {
    box.textContent = message;
    box.classList.add("show");
    if (avoid && overlaps(box.getBoundingClientRect(), avoid.getBoundingClientRect())) {
      box.style.setProperty("--toast-top", `${document.querySelector(".top")?.getBoundingClientRect().bottom ?? 0}px`);
      box.classList.add("top");
    }
  });
  clearTimeout(timer);
  timer = setTimeout(() => box.classList.remove("show"), ms);
}

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** After a save: what happened, in words, without covering `saved` (the element now showing it). */
export function announceSaved(done, outcome, saved) {
  saved?.scrollIntoView({ block: "nearest" });
  let message = done;
  if (outcome.offline) message = "Saved on this phone. It will be sent when you're back online.";
  else if (outcome.conflict)
    message = "Saved on this phone. It was also changed elsewhere: choose a version at the top.";
  else if (outcome.error) message = `Kept on this phone, but not saved: ${outcome.error.message}`;
  announce(message, { avoid: saved });
}
