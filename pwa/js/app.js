// Start-up: crisis button, service worker, who is logged in, sync, then the screen in the URL.
import { DATA_CHANGED, SESSION_CHANGED, UNAUTHORIZED } from "./events.js";
import { initCrisisButton } from "./crisis.js";
import "./install.js"; // listens for the browser's install prompt from the first moment
import { renderSyncIssues } from "./conflicts.js";
import { go } from "./nav.js";
import { startRouter } from "./router.js";
import { restore, session } from "./session.js";
import { announce } from "./status.js";
import { outboxItems, startSync, sync } from "./sync.js";
import { registerWorker } from "./update.js";

async function showNetwork() {
  const pill = document.getElementById("net");
  const waiting = session.account ? (await outboxItems()).filter((i) => i.state === "pending").length : 0;
  const offline = navigator.onLine === false;
  const parts = [];
  if (offline) parts.push("Offline");
  if (waiting) parts.push(`${waiting} to sync`);
  pill.textContent = parts.join(" · ");
  pill.hidden = parts.length === 0;
  renderSyncIssues();
}

/** Keep --tabs-h at the tab bar's height: it grows with the text size, and the page's bottom
 * padding and the toast must clear it. */
function trackTabBar() {
  const tabs = document.getElementById("tabs");
  const set = () => document.documentElement.style.setProperty("--tabs-h", `${tabs.offsetHeight || 0}px`);
  new ResizeObserver(set).observe(tabs);
  set();
}

async function main() {
  initCrisisButton();
  trackTabBar();
  registerWorker();
  try {
    await restore();
  } catch {
    announce("Waypoint's server couldn't be reached. What you save stays on this phone.");
  }
  window.addEventListener("online", () => {
    announce("You're back online. Syncing…");
    showNetwork();
  });
  window.addEventListener("offline", () => {
    announce("You're offline. Check-ins are kept on this phone and sent later.");
    showNetwork();
  });
  window.addEventListener(DATA_CHANGED, showNetwork);
  window.addEventListener(SESSION_CHANGED, () => {
    showNetwork();
    if (session.account) sync();
  });
  window.addEventListener(UNAUTHORIZED, () => {
    if (!session.account || location.hash.startsWith("#/login")) return;
    announce("Please log in again. Anything not yet sent stays on this phone.");
    session.account = null;
    go("login");
  });
  await startRouter();
  showNetwork();
  let syncing = false;
  const started = () => {
    if (syncing) return;
    syncing = true;
    startSync();
    // Questionnaires must work offline even if never opened online: keep their wording here.
    import("./questionnaires.js").then((m) => m.instruments()).catch(() => {});
  };
  if (session.account) started();
  else window.addEventListener(SESSION_CHANGED, () => session.account && started());
}

main();
