// The crisis panel: one tap away on every screen, and shown at once when a check-in or a
// questionnaire is flagged. Works offline from the last copy of GET /api/crisis (or, on a phone
// that never reached the server, a generic line), because the moment someone needs it is not the
// moment to need a connection.
import { api } from "./api.js";
import { crisisList } from "./crisis-lines.js";
import { getMeta, setMeta } from "./db.js";
import { fill, h } from "./dom.js";

// Only for a phone that has never reached the server: no list of numbers is built in, because
// the right lines depend on where the app is used (the deployment's crisis_file). crisisList
// shows a plain "call your local emergency number" line for an empty list.
const FALLBACK = {
  message:
    "If you are thinking about suicide or feel you might not be safe, please reach out now. You deserve support right away.",
  not_monitored:
    "Nobody monitors this journal in real time. What you enter here is not seen by your clinic or anyone else until you choose to share it.",
  resources: [],
};

/** The deployment's crisis resources: fresh when online, the saved copy otherwise. */
export async function loadCrisis() {
  try {
    const crisis = await api("/api/crisis");
    await setMeta("crisis", crisis).catch(() => {});
    return crisis;
  } catch {
    return (await getMeta("crisis").catch(() => null)) || FALLBACK;
  }
}

function render(crisis) {
  return [
    h("p", {}, crisis.message),
    crisisList(crisis.resources),
    h("p", { class: "not-monitored" }, crisis.not_monitored),
  ];
}

/** Open the panel. `crisis` from a flagged response wins over the saved copy. */
export async function showCrisis(crisis) {
  const dialog = document.getElementById("crisis");
  const body = document.getElementById("crisis-body");
  // Show something at once (saved copy), then refresh when the network answers.
  const first = crisis || (await getMeta("crisis").catch(() => null)) || FALLBACK;
  fill(body, ...render(first));
  if (!dialog.open) dialog.showModal();
  // Start at the top: the heading and message are read first, the first number is one Tab away.
  const heading = dialog.querySelector("h2");
  heading.tabIndex = -1;
  heading.focus();
  dialog.scrollTop = 0;
  if (!crisis) loadCrisis().then((fresh) => dialog.open && fill(body, ...render(fresh)));
}

/** The local rule, for when the server cannot be asked: lowest mood, or PHQ-9 item 9 above 0. */
export function flaggedLocally(kind, body) {
  if (kind === "entry") return body.mood === 0;
  if (kind === "assessment") return body.instrument === "phq9" && (body.answers?.[8] ?? 0) > 0;
  return false;
}

/** After a save: the server's verdict when it answered, the local rule when it did not. */
export function checkCrisis(kind, body, outcome) {
  if (outcome.record) {
    if (outcome.record.crisis) return showCrisis(outcome.record.crisis);
    if (outcome.record.flagged) return showCrisis();
    return null;
  }
  return flaggedLocally(kind, body) ? showCrisis() : null;
}

export function initCrisisButton() {
  document.getElementById("help-now").addEventListener("click", () => showCrisis());
  loadCrisis(); // keep a fresh copy for offline use
}
