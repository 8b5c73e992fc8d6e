// Share: links for family (chosen guides, optionally upcoming dates) or a clinician (a period's
// summary and PDF). Each link is scoped, expires, can be cancelled, and counts its opens.
import { api, isOffline } from "./api.js";
import { field, fill, formError, h, radioValue, screen, uid } from "./dom.js";
import { addDays, formatDateTime, formatDay, isoWithOffset, localDay } from "./format.js";
import { announce } from "./status.js";

const DEFAULT_DAYS = { family: 30, clinician: 14 }; // as the server's own defaults
const EXPIRY = [
  [7, "1 week"],
  [14, "2 weeks"],
  [30, "30 days"],
  [90, "90 days (the longest)"],
];

export default async function share() {
  let guides = [];
  let offline = false;
  try {
    guides = await api("/api/guides");
  } catch (error) {
    if (!isOffline(error)) throw error;
    offline = true;
  }
  const created = h("div", { "aria-live": "polite" });
  const list = h("div");
  screen(
    "Share",
    h(
      "p",
      {},
      "Make a private link. Family links show only the guides you pick and, if you allow it, the dates of planned treatments — never your check-ins, notes or answers.",
    ),
    offline ? h("p", { class: "badge pending" }, "You're offline: links can be made once you're connected.") : null,
    createForm(guides, created, () => renderList(list)),
    created,
    list,
  );
  if (!offline) await renderList(list);
}

function expirySelect(days) {
  return h(
    "select",
    { name: "expires" },
    EXPIRY.map(([n, label]) => h("option", { value: String(n), selected: n === days }, label)),
  );
}

function createForm(guides, created, refresh) {
  const audienceName = uid("audience");
  const label = h("input", { type: "text", name: "label", maxlength: 80, placeholder: "e.g. For Sam" });
  const message = h("textarea", { name: "message", maxlength: 500, rows: 2 });
  const schedule = h("input", { type: "checkbox", name: "schedule" });
  const from = h("input", { type: "date", name: "from", value: addDays(localDay(), -89), max: localDay() });
  const to = h("input", { type: "date", name: "to", value: localDay(), max: localDay() });
  // The server's defaults: a family link lasts 30 days, a clinician link 14.
  const expires = expirySelect(30);
  const family = h(
    "div",
    {},
    h(
      "fieldset",
      {},
      h("legend", {}, "Guides to include"),
      guides.length
        ? guides.map((g) =>
            h(
              "label",
              { class: "check" },
              h("input", { type: "checkbox", name: "guide", value: g.slug, checked: g.audience !== "patient" }),
              g.title,
            ),
          )
        : h("p", { class: "muted" }, "No guides available."),
    ),
    h("label", { class: "check" }, schedule, "Include the dates of planned treatments (date, time and kind only)"),
    field(
      "Message to them (optional)",
      message,
      "Shown at the top of their page, e.g. “Thanks for driving me on Friday.”",
    ),
  );
  const clinician = h(
    "div",
    { hidden: true },
    h(
      "fieldset",
      {},
      h("legend", {}, "Period the clinician sees"),
      h("div", { class: "two" }, field("From", from), field("To", to)),
    ),
    h(
      "p",
      { class: "small muted" },
      "They see a summary (baseline, change, scores, adherence) and can download the one-page PDF report.",
    ),
    h(
      "p",
      { class: "small" },
      "Safety flags are shown too: how many times your mood was at its lowest or PHQ-9 question 9 (thoughts of self-harm) was answered above 0. They are not alerted in real time.",
    ),
  );
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "share-form-title" },
    h("h2", { id: "share-form-title" }, "New link"),
    h(
      "fieldset",
      {},
      h("legend", {}, "Who is it for?"),
      h(
        "label",
        { class: "check" },
        h("input", { type: "radio", name: audienceName, value: "family", checked: true }),
        "Family or a friend",
      ),
      h(
        "label",
        { class: "check" },
        h("input", { type: "radio", name: audienceName, value: "clinician" }),
        "My clinician",
      ),
    ),
    field("Name for this link (only you see it)", label),
    family,
    clinician,
    field("Link stops working after", expires),
    h("button", { class: "btn wide", type: "submit" }, "Create link"),
  );
  let audienceShown = "family";
  form.addEventListener("change", () => {
    const who = radioValue(form, audienceName);
    family.hidden = who !== "family";
    clinician.hidden = who !== "clinician";
    if (who !== audienceShown) expires.value = String(DEFAULT_DAYS[who]);
    audienceShown = who;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const audience = radioValue(form, audienceName);
    const body = {
      audience,
      label: label.value.trim(),
      expires_at: isoWithOffset(new Date(Date.now() + Number(expires.value) * 864e5)),
    };
    if (audience === "family") {
      body.guides = [...form.querySelectorAll('input[name="guide"]:checked')].map((i) => i.value);
      body.include_schedule = schedule.checked;
      if (message.value.trim()) body.message = message.value.trim();
      if (!body.guides.length && !body.include_schedule)
        return formError(form, "Choose at least one guide, or include the schedule.");
    } else {
      if (!from.value || !to.value || from.value > to.value)
        return formError(form, "Choose a period: the start must be on or before the end.");
      body.from = from.value;
      body.to = to.value;
    }
    formError(form, "");
    try {
      const link = await api("/api/shares", { method: "POST", body });
      showCreated(created, link);
      await refresh();
    } catch (error) {
      formError(form, isOffline(error) ? "You're offline. Try again once you're connected." : error.message);
    }
  });
  return form;
}

function showCreated(box, link) {
  const url = h("input", { type: "url", readonly: true, value: link.url, id: "share-url" });
  const copy = h("button", { class: "btn", type: "button" }, "Copy link");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(link.url);
      announce("Link copied.");
    } catch {
      url.select();
      announce("Select the link and copy it.");
    }
  });
  const shareButton = navigator.share
    ? h(
        "button",
        {
          class: "btn secondary",
          type: "button",
          onclick: () =>
            navigator
              .share({ title: "Waypoint", text: link.label || "A link from Waypoint", url: link.url })
              .catch(() => {}),
        },
        "Share…",
      )
    : null;
  fill(
    box,
    h(
      "div",
      { class: "card" },
      h("h2", { tabindex: "-1" }, "Your link is ready"),
      field(
        "Link",
        url,
        "This is the only time the full link is shown. Anyone who has it can open it until it expires or you cancel it.",
      ),
      h("div", { class: "row" }, copy, shareButton),
    ),
  );
  box.scrollIntoView({ block: "start" });
  box.querySelector("h2").focus({ preventScroll: true });
}

async function renderList(box) {
  const links = await api("/api/shares");
  fill(
    box,
    h(
      "section",
      { "aria-labelledby": "links-title" },
      h("h2", { id: "links-title" }, "Your links"),
      links.length
        ? h(
            "ul",
            { class: "list card" },
            links.map((l) => linkItem(l, () => renderList(box))),
          )
        : h("p", { class: "muted" }, "No links yet."),
    ),
  );
}

function linkItem(l, refresh) {
  const name = l.label || (l.audience === "family" ? "Family link" : "Clinician link");
  const what =
    l.audience === "family"
      ? `${l.guides.length} guide${l.guides.length === 1 ? "" : "s"}${l.include_schedule ? " and planned dates" : ""}`
      : `summary and report, ${formatDay(l.from)} to ${formatDay(l.to)}`;
  const opened = l.opens
    ? `Opened ${l.opens} time${l.opens === 1 ? "" : "s"}, last ${formatDateTime(l.last_opened_at)}`
    : "Not opened yet";
  const revoke =
    l.status === "active"
      ? h(
          "button",
          {
            class: "btn small secondary",
            type: "button",
            "aria-label": `Cancel link ${name}`,
            onclick: async () => {
              if (!confirm(`Cancel “${name}”? It stops working at once.`)) return;
              await api(`/api/shares/${encodeURIComponent(l.id)}`, { method: "DELETE" });
              announce("Link cancelled.");
              await refresh();
            },
          },
          "Cancel link",
        )
      : null;
  return h(
    "li",
    {},
    h(
      "div",
      { class: "row" },
      h("span", { class: "grow label" }, name),
      h("span", { class: `badge${l.status === "active" ? " ok" : ""}` }, l.status),
    ),
    h("p", { class: "small" }, `${l.audience === "family" ? "Family" : "Clinician"}: ${what}.`),
    l.message ? h("p", { class: "small note" }, `Your message: “${l.message}”`) : null,
    h(
      "p",
      { class: "small muted" },
      `${opened}. ${l.status === "active" ? "Expires" : "Ended"} ${formatDateTime(l.revoked_at || l.expires_at)}.`,
    ),
    revoke,
  );
}
