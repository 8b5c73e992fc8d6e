// The crisis panel: one tap away on every screen, and shown at once when a check-in or a
// questionnaire is flagged. Works offline from the last copy of GET /api/crisis (or, on a phone
// that never reached the server, a generic line), because the moment someone needs it is not the
// moment to need a connection. The person's own safety plan, when they have written one, comes
// first (from the copy on this phone), and a panel that opened by itself says why.
import { api } from "./api.js";
import { crisisList } from "./crisis-lines.js";
import { getMeta, get as getRecord, recordKey, setMeta } from "./db.js";
import { fill, h } from "./dom.js";
import { PLAN_ID, PLAN_STEPS } from "./kinds.js";
import { session } from "./session.js";

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

/** The safety plan on this phone, when one has something in it (logging out removes it). */
export async function localPlan() {
  const plan = await getRecord("records", recordKey("safety_plan", PLAN_ID)).catch(() => null);
  return plan && PLAN_STEPS.some((step) => plan[step.key]?.length) ? plan : null;
}

/** `tel:` for a phone number as people write it ("+1 (555) 010-0100"). */
export const telOf = (phone) => `tel:${phone.replace(/[^\d+]/g, "")}`;

function closePanel() {
  document.getElementById("crisis").close();
}

function planItem(step, item) {
  if (!step.contacts) return h("li", {}, item);
  if (!item.phone) return h("li", {}, item.name);
  return h("li", {}, h("a", { class: "btn secondary", href: telOf(item.phone) }, `Call ${item.name} (${item.phone})`));
}

function renderPlan(plan) {
  if (!plan && !session.account) return null; // logged out: there is no plan to make here
  if (!plan) {
    return h(
      "p",
      { class: "small" },
      h("a", { href: "#/safety-plan", onclick: closePanel }, "Make a safety plan"),
      " — your own steps and people to call, shown here first next time.",
    );
  }
  return h(
    "section",
    { class: "plan", "aria-labelledby": "plan-title" },
    h("h3", { id: "plan-title" }, "Your safety plan"),
    PLAN_STEPS.filter((step) => plan[step.key]?.length).map((step) => [
      h("h4", {}, step.title),
      h(
        "ul",
        { class: step.contacts ? "resources" : "plan-items" },
        plan[step.key].map((item) => planItem(step, item)),
      ),
    ]),
    h("p", { class: "small" }, h("a", { href: "#/safety-plan", onclick: closePanel }, "Change my safety plan")),
  );
}

function render(crisis, plan, reason) {
  return [
    reason ? h("p", { class: "reason" }, reason) : null,
    renderPlan(plan),
    plan ? h("h3", {}, "Crisis lines") : null,
    h("p", {}, crisis.message),
    crisisList(crisis.resources),
    h("p", { class: "not-monitored" }, crisis.not_monitored),
  ];
}

/** Open the panel. `crisis` from a flagged response wins over the saved copy; `reason` says why it opened. */
export async function showCrisis(crisis, reason = null) {
  const dialog = document.getElementById("crisis");
  const body = document.getElementById("crisis-body");
  // Show something at once (saved copy), then refresh when the network answers.
  const first = crisis || (await getMeta("crisis").catch(() => null)) || FALLBACK;
  const plan = await localPlan();
  fill(body, ...render(first, plan, reason));
  if (!dialog.open) dialog.showModal();
  // Start at the top: the heading and message are read first, the first number is one Tab away.
  const heading = dialog.querySelector("h2");
  heading.tabIndex = -1;
  heading.focus();
  dialog.scrollTop = 0;
  if (!crisis) loadCrisis().then((fresh) => dialog.open && fill(body, ...render(fresh, plan, reason)));
}

/** The local rule, for when the server cannot be asked: lowest mood, or PHQ-9 item 9 above 0. */
export function flaggedLocally(kind, body) {
  if (kind === "entry") return body.mood === 0;
  if (kind === "assessment") return body.instrument === "phq9" && (body.answers?.[8] ?? 0) > 0;
  return false;
}

/** Why the panel opened, in the person's own answer: "You answered “Several days” to question 9." */
export async function reasonFor(kind, body) {
  if (kind === "entry" && body.mood === 0) return "You chose the lowest mood (0 of 10).";
  if (kind !== "assessment" || body.instrument !== "phq9") return null;
  const value = body.answers?.[8];
  if (!(value > 0)) return null;
  // The instruments' own answer wording, kept on the phone (warmed at start-up).
  const saved = await getMeta("instruments").catch(() => null);
  const spec = saved?.instruments?.find((i) => i.id === "phq9");
  const label = spec?.options?.find((o) => o.value === value)?.label;
  return label
    ? `You answered “${label}” to question 9.`
    : `You answered question 9 with ${value} (0 = not at all, 3 = nearly every day).`;
}

/** After a save: the server's verdict when it answered, the local rule when it did not. */
export async function checkCrisis(kind, body, outcome) {
  const flagged = outcome.record ? outcome.record.crisis || outcome.record.flagged : flaggedLocally(kind, body);
  if (!flagged) return null;
  const reason = await reasonFor(kind, body);
  return showCrisis(outcome.record?.crisis || null, reason);
}

export function initCrisisButton() {
  document.getElementById("help-now").addEventListener("click", () => showCrisis());
  loadCrisis(); // keep a fresh copy for offline use
}
