// Account: name, time zone and baseline date; devices (end one); password; delete everything.
import { api, isOffline } from "./api.js";
import { field, fill, formError, h, screen } from "./dom.js";
import { formatDateTime } from "./format.js";
import { go } from "./nav.js";
import { session, signedOut, updateAccount } from "./session.js";
import { dropOutbox } from "./sync.js";
import { announce } from "./status.js";

export default async function account() {
  let me = session.account;
  try {
    me = await api("/api/account");
  } catch (error) {
    if (!isOffline(error)) throw error;
  }
  const sessions = h("ul", { class: "list" });
  screen(
    "Account",
    h("p", { class: "muted" }, `Username: ${me.username}`),
    profileForm(me),
    h(
      "section",
      { class: "card", "aria-labelledby": "devices-title" },
      h("h2", { id: "devices-title" }, "Devices logged in"),
      sessions,
    ),
    passwordForm(),
    deleteForm(),
  );
  await renderSessions(sessions);
}

/** Every time zone the browser knows, as "Europe / Paris" style words a person can search. */
const zoneWords = (z) => z.replaceAll("_", " ").replaceAll("/", " / ");

/** A searchable list: type part of a city or region, pick from the (filtered) list. */
function zonePicker(current) {
  const all = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : [];
  const zones = all.includes(current) ? all : [current, ...all];
  const search = h("input", {
    type: "search",
    name: "zone-search",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "e.g. Paris, New York",
  });
  const select = h("select", { name: "timezone", size: 5 });
  const show = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const hits = zones.filter((z) => z === current || words.every((w) => zoneWords(z).toLowerCase().includes(w)));
    select.replaceChildren(
      ...hits
        .slice(0, 200)
        .map((z) => h("option", { value: z, selected: z === (select.value || current) }, zoneWords(z))),
    );
  };
  search.addEventListener("input", show);
  show();
  select.value = current;
  return { search, select };
}

function profileForm(me) {
  const name = h("input", {
    type: "text",
    name: "display_name",
    maxlength: 80,
    value: me.display_name || "",
    autocomplete: "name",
  });
  const { search, select: zone } = zonePicker(me.timezone);
  const baseline = h("input", { type: "date", name: "baseline_date", value: me.baseline_date || "" });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "profile-title" },
    h("h2", { id: "profile-title" }, "Profile"),
    field("Display name", name, "Shown on your reports and to a clinician you share with."),
    h(
      "fieldset",
      {},
      h("legend", {}, "Time zone"),
      h("p", { class: "hint" }, "Your days start and end in this time zone."),
      field("Search time zones", search),
      field("Your time zone", zone),
    ),
    field(
      "Baseline date (optional)",
      baseline,
      "Progress is measured against the 14 days before this date. Leave empty to use your first treatment.",
    ),
    h("button", { class: "btn", type: "submit" }, "Save profile"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await api("/api/account", {
        method: "PATCH",
        body: {
          display_name: name.value.trim(),
          timezone: zone.value || me.timezone,
          baseline_date: baseline.value || null,
        },
      });
      await updateAccount(updated);
      formError(form, "");
      announce("Profile saved.");
    } catch (error) {
      formError(form, isOffline(error) ? "You're offline. Try again once you're connected." : error.message);
    }
  });
  return form;
}

async function renderSessions(list) {
  let rows;
  try {
    rows = await api("/api/account/sessions");
  } catch (error) {
    fill(list, h("li", { class: "muted" }, isOffline(error) ? "Shown when you're online." : error.message));
    return;
  }
  const when = (t) => formatDateTime(typeof t === "number" ? new Date(t * 1000) : t);
  fill(
    list,
    ...rows.map((s) =>
      h(
        "li",
        {},
        h(
          "div",
          { class: "row" },
          h("span", { class: "grow label" }, device(s.user_agent)),
          s.current ? h("span", { class: "badge ok" }, "This device") : null,
        ),
        h("p", { class: "small muted" }, `Logged in ${when(s.created_at)} · last used ${when(s.last_seen_at)}`),
        s.current
          ? null
          : h(
              "button",
              {
                class: "btn small secondary",
                type: "button",
                "aria-label": `Log out ${device(s.user_agent)}`,
                onclick: async () => {
                  await api(`/api/account/sessions/${encodeURIComponent(s.id)}`, { method: "DELETE" });
                  announce("That device is logged out.");
                  await renderSessions(list);
                },
              },
              "Log it out",
            ),
      ),
    ),
  );
}

function device(agent = "") {
  const browser = /Edg\//.test(agent)
    ? "Edge"
    : /Firefox\//.test(agent)
      ? "Firefox"
      : /Chrome\//.test(agent)
        ? "Chrome"
        : /Safari\//.test(agent)
          ? "Safari"
          : "Browser";
  const system = /Android/.test(agent)
    ? "Android"
    : /iPhone|iPad/.test(agent)
      ? "iOS"
      : /Mac OS/.test(agent)
        ? "macOS"
        : /Windows/.test(agent)
          ? "Windows"
          : /Linux/.test(agent)
            ? "Linux"
            : "";
  return system ? `${browser} on ${system}` : browser;
}

function passwordForm() {
  const current = h("input", { type: "password", name: "current", autocomplete: "current-password", required: true });
  const next = h("input", {
    type: "password",
    name: "new",
    autocomplete: "new-password",
    minlength: 8,
    required: true,
  });
  const others = h("input", { type: "checkbox", name: "others", checked: true });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "password-title" },
    h("h2", { id: "password-title" }, "Change password"),
    field("Current password", current),
    field("New password", next, "At least 8 characters."),
    h("label", { class: "check" }, others, "Log out all other devices"),
    h("button", { class: "btn", type: "submit" }, "Change password"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (next.value.length < 8) return formError(form, "The new password needs at least 8 characters.");
    try {
      await api("/api/account/password", {
        method: "POST",
        body: { current_password: current.value, new_password: next.value, end_other_sessions: others.checked },
      });
      form.reset();
      formError(form, "");
      announce("Password changed.");
    } catch (error) {
      formError(form, error.message);
    }
  });
  return form;
}

function deleteForm() {
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const sure = h("input", { type: "checkbox", name: "sure", required: true });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "delete-title" },
    h("h2", { id: "delete-title" }, "Delete account"),
    h(
      "p",
      {},
      "This deletes your account and everything in it — check-ins, treatments, questionnaires and share links — from the server, for good. Export an archive first if you want a copy.",
    ),
    field("Type your password to confirm", password),
    h("label", { class: "check" }, sure, "I understand this cannot be undone"),
    h("button", { class: "btn danger", type: "submit" }, "Delete my account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!password.value || !sure.checked) return formError(form, "Type your password and tick the box to confirm.");
    try {
      await api("/api/account", { method: "DELETE", body: { password: password.value } });
    } catch (error) {
      formError(form, isOffline(error) ? "You're offline. Try again once you're connected." : error.message);
      return;
    }
    await dropOutbox();
    await signedOut();
    announce("Your account has been deleted.");
    go("login");
  });
  return form;
}
