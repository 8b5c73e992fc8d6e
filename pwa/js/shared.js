// The page behind a share link: /shared#<token>. No account; the token never leaves the
// fragment except as the Authorization header of our own requests.
import { initCrisisButton } from "./crisis.js";
import { h, screen } from "./dom.js";
import { formatDateTime, formatDay } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { renderGuide } from "./guide-render.js";
import { announce } from "./status.js";
import { summarySentences } from "./summary.js";

const token = decodeURIComponent(location.hash.replace(/^#/, "")).trim();
const auth = { Authorization: `Share ${token}` };

function gone(text) {
  screen("This link doesn't work", h("p", {}, text), h("p", {}, "Ask the person who sent it for a new link."));
}

async function open() {
  if (!token) return gone("The link is incomplete: the part after “#” is missing. Copy the whole link and try again.");
  let response;
  try {
    response = await fetch("/api/shared", {
      headers: { ...auth, Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return screen("You're offline", h("p", {}, "Connect to the internet and reload this page to open the link."));
  }
  if (response.status === 404 || response.status === 401)
    return gone("It may have expired or been cancelled, or it was copied incompletely.");
  if (response.status === 429) return gone("Too many attempts from this network. Wait a few minutes and try again.");
  if (!response.ok) return gone("Waypoint couldn't open it just now. Try again in a few minutes.");
  const view = await response.json();
  if (view.audience === "clinician") clinician(view);
  else family(view);
}

function family(view) {
  const schedule = view.schedule
    ? h(
        "section",
        { class: "card", "aria-labelledby": "schedule-title" },
        h("h2", { id: "schedule-title" }, "Upcoming treatments"),
        view.schedule.length
          ? h(
              "ul",
              { class: "list", id: "schedule" },
              view.schedule.map((s) =>
                h("li", {}, h("strong", {}, formatDateTime(s.at)), ` — ${TREATMENT_KINDS[s.kind] || s.kind}`),
              ),
            )
          : h("p", { class: "muted" }, "No treatments are planned right now."),
        h(
          "p",
          { class: "small muted" },
          "After a session, people are usually tired and must not drive for the rest of the day.",
        ),
      )
    : null;
  const contents =
    view.guides.length > 1
      ? h(
          "nav",
          { "aria-label": "Guides on this page" },
          h(
            "ul",
            {},
            view.guides.map((g) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    class: "linkish",
                    type: "button",
                    onclick: () => document.getElementById(`g-${g.slug}`)?.scrollIntoView(),
                  },
                  g.title,
                ),
              ),
            ),
          ),
        )
      : null;
  screen(
    "Shared with you",
    // The owner's message to them (never the link's label: that stays private to the owner).
    view.message ? h("blockquote", { class: "card message note" }, view.message) : null,
    h(
      "p",
      {},
      "Someone going through ketamine treatment chose to share this with you. It contains only what they picked.",
    ),
    schedule,
    contents,
    view.guides.map((g) => h("section", { class: "card", id: `g-${g.slug}` }, renderGuide(g, { headingLevel: 2 }))),
    h("p", { class: "small muted" }, `This link works until ${formatDateTime(view.expires_at)}.`),
  );
}

function clinician(view) {
  const button = h("button", { class: "btn wide", type: "button" }, "Download the PDF report");
  button.addEventListener("click", () => downloadReport(button, view));
  screen(
    `Report: ${view.patient_name}`,
    h(
      "p",
      { class: "muted" },
      `${formatDay(view.from)} to ${formatDay(view.to)} · shared by the patient through Waypoint`,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "summary-title" },
      h("h2", { id: "summary-title" }, "Summary"),
      summarySentences(view.summary, { you: false }).map((t) => h("p", {}, t)),
    ),
    button,
    h(
      "p",
      { class: "small muted" },
      `This link works until ${formatDateTime(view.expires_at)}. Self-reported data; PHQ-9 and GAD-7 are screening tools, not diagnoses.`,
    ),
  );
}

async function downloadReport(button, view) {
  button.disabled = true;
  try {
    const response = await fetch("/api/shared/report.pdf", { headers: auth, credentials: "omit", cache: "no-store" });
    if (!response.ok)
      throw new Error(
        response.status === 404
          ? "The link has expired or been cancelled."
          : "The report couldn't be made just now. Try again in a few minutes.",
      );
    const url = URL.createObjectURL(await response.blob());
    const a = h("a", { href: url, download: `waypoint-report-${view.from}-to-${view.to}.pdf` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    announce("Report downloaded.");
  } catch (error) {
    announce(error.message || "You're offline.");
  } finally {
    button.disabled = false;
  }
}

initCrisisButton();
open();
