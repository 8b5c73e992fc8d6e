// Hash routing: #/today, #/guides/<slug>, ... Each screen is its own module, loaded on first use.
import { SESSION_CHANGED } from "./events.js";
import { ApiError, OfflineError } from "./api.js";
import { go, parse } from "./nav.js";
import { session } from "./session.js";

const SCREENS = {
  today: () => import("./today.js"),
  trends: () => import("./trends.js"),
  treatments: () => import("./treatments.js"),
  questionnaires: () => import("./questionnaires.js"),
  guides: () => import("./guides.js"),
  share: () => import("./share.js"),
  export: () => import("./export.js"),
  account: () => import("./account.js"),
  more: () => import("./more.js"),
  reminders: () => import("./reminders.js"), // issue 14
  login: () => import("./login.js"),
  welcome: () => import("./welcome.js"),
  calendar: () => import("./calendar.js"),
  "safety-plan": () => import("./safety-plan.js"),
};
const PUBLIC = new Set(["login", "guides", "welcome"]);
const TAB_OF = {
  questionnaires: "more",
  share: "more",
  export: "more",
  account: "more",
  reminders: "more",
  calendar: "trends",
  "safety-plan": "more",
};

let current; // AbortController of the screen on display
let first = true;

async function render(event) {
  const { name, params } = parse();
  if (!SCREENS[name]) return go(session.account ? "today" : "welcome");
  if (!session.account && !PUBLIC.has(name)) {
    // Come back here after logging in — unless this is the screen someone just logged out of.
    if (event?.type !== SESSION_CHANGED) sessionStorage.setItem("after-login", location.hash);
    return go(event?.type === SESSION_CHANGED ? "welcome" : "login");
  }
  if (session.account && (name === "login" || name === "welcome")) return go("today");
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  const tabs = document.getElementById("tabs");
  tabs.hidden = !session.account;
  const tab = TAB_OF[name] || name;
  for (const link of tabs.querySelectorAll("a")) {
    if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    const module = await SCREENS[name]();
    if (signal.aborted) return;
    await module.default({ params, signal });
  } catch (error) {
    if (signal.aborted) return;
    if (!(error instanceof OfflineError)) console.error(error);
    const main = document.getElementById("main");
    const p = document.createElement("p");
    p.className = "error";
    p.textContent =
      error instanceof OfflineError
        ? "This screen isn't available offline yet. It will work once you're connected."
        : error instanceof ApiError
          ? error.message
          : "Something went wrong on this screen. Reload the page to try again; nothing saved is lost.";
    main.replaceChildren(p);
  }
  if (!first && !signal.aborted) document.querySelector("#main h1")?.focus();
  first = false;
}

export function startRouter() {
  window.addEventListener("hashchange", render);
  window.addEventListener(SESSION_CHANGED, render);
  return render();
}
