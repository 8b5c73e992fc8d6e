// "Add Waypoint to your home screen": offered once the app has proved useful (two check-ins),
// with the browser's own install prompt where there is one and the iOS steps where there is not.
// Never shown again once dismissed or installed.
import { getMeta, setMeta } from "./db.js";
import { h } from "./dom.js";

const AFTER = 2; // check-ins
let prompt = null; // the browser's deferred install prompt, if it offered one

window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault(); // keep it for the card instead of the browser's own mini bar
  prompt = event;
});
window.addEventListener("appinstalled", () => setMeta("install-card", "installed").catch(() => {}));

const installed = () => matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
const isIOS = () =>
  /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.maxTouchPoints > 1 && /Mac/.test(navigator.userAgent));

/** The card, or null when it should not show (too early, dismissed, installed). */
export async function installCard(checkins) {
  if (checkins < AFTER || installed() || (await getMeta("install-card"))) return null;
  const card = h("section", { class: "card install", "aria-labelledby": "install-title" });
  const dismiss = async (state) => {
    await setMeta("install-card", state);
    card.remove();
  };
  const close = h(
    "button",
    { class: "btn small secondary", type: "button", onclick: () => dismiss("dismissed") },
    "No, thanks",
  );
  let how;
  if (prompt) {
    how = h("button", { class: "btn small", type: "button" }, "Add to home screen");
    how.addEventListener("click", async () => {
      const chosen = prompt;
      prompt = null;
      chosen.prompt();
      const { outcome } = await chosen.userChoice;
      await dismiss(outcome === "accepted" ? "installed" : "dismissed");
    });
  } else if (isIOS()) {
    how = h(
      "ol",
      { class: "small" },
      h("li", {}, "Tap the Share button (a square with an arrow)."),
      h("li", {}, "Choose “Add to Home Screen”."),
      h("li", {}, "Tap “Add”."),
    );
  } else {
    how = h("p", { class: "small" }, "Open your browser's menu and choose “Install app” or “Add to Home screen”.");
  }
  card.append(
    h("h2", { id: "install-title" }, "Add Waypoint to your home screen"),
    h("p", {}, "It opens like an app, even offline, and your check-ins stay on this phone until they're sent."),
    h("div", { class: "row" }, how, close),
  );
  return card;
}
