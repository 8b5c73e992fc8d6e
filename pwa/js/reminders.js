// Reminders (under More): notifications on this device, their times, a test, and the calendar
// feed. The browser's permission prompt appears only after "Turn on", after a plain explanation.
import { api, isOffline } from "./api.js";
import { field, fill, formError, h, screen, uid } from "./dom.js";
import { formatDateTime } from "./format.js";
import { announce } from "./status.js";

const REMINDERS = [
  ["checkin", "Daily check-in", "Every day at this time — skipped on days you have already checked in."],
  ["questionnaire", "Questionnaire", "When your last PHQ-9 or GAD-7 is 14 days old."],
  ["session", "Evening before a session", "The evening before a planned treatment: a nudge to arrange your ride home."],
];
const CANNOT_SUBSCRIBE =
  "This browser could not sign up for notifications: it has no push service it can reach. Reminders cannot reach this device. The calendar feed below still works.";

export const isIOS = () =>
  /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const isInstalled = () => matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
const pushSupported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

export default async function reminders() {
  const settings = await api("/api/reminders");
  const device = h("section", { class: "card", "aria-labelledby": "device-title", "aria-live": "polite" });
  const calendar = h("section", { "aria-labelledby": "calendar-title" });
  screen(
    "Reminders",
    h(
      "p",
      {},
      "Gentle reminders as notifications on this phone. They say only things like “Time for your check-in” — never what your treatment is or how you feel, so a lock screen gives nothing away.",
    ),
    device,
    settingsForm(settings),
    calendar,
  );
  await renderDevice(device);
  await renderCalendar(calendar);
}

// --- this device -------------------------------------------------------------------------------

async function currentSubscription() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

async function renderDevice(box) {
  const title = h("h2", { id: "device-title" }, "This device");
  if (!pushSupported()) {
    const note =
      isIOS() && !isInstalled()
        ? "On iPhone and iPad, reminders work only once Waypoint is on your Home Screen: tap Share, then “Add to Home Screen”, and open Waypoint from there."
        : "This browser cannot show reminders.";
    return fill(box, title, h("p", { class: "notice", id: "push-status" }, note));
  }
  const iosNote = isIOS()
    ? h(
        "p",
        { class: "small muted" },
        "On iPhone and iPad, reminders need Waypoint added to the Home Screen (Share, then “Add to Home Screen”).",
      )
    : null;
  if (Notification.permission === "denied") {
    return fill(
      box,
      title,
      h(
        "p",
        { class: "notice", id: "push-status" },
        "Notifications are blocked for Waypoint in this browser. To get reminders, allow notifications in the browser's site settings, then come back here.",
      ),
      iosNote,
    );
  }
  const subscription = await currentSubscription().catch(() => null);
  if (!subscription) {
    const turnOn = h("button", { class: "btn", type: "button" }, "Turn on");
    turnOn.addEventListener("click", () => turnOnHere(box, turnOn));
    return fill(
      box,
      title,
      h("p", { id: "push-status" }, "Reminders are off on this device."),
      h(
        "p",
        { class: "small" },
        "When you tap “Turn on”, your browser will ask whether Waypoint may show notifications. Say “Allow” to get reminders. You can turn them off here at any time.",
      ),
      iosNote,
      h("p", {}, turnOn),
    );
  }
  // Tell the server again (an upsert): it may have dropped this browser after a 410, or
  // another account may have used it since.
  api("/api/push/subscriptions", { method: "POST", body: subscription.toJSON() }).catch(() => {});
  const test = h("button", { class: "btn", type: "button" }, "Send me one now");
  test.addEventListener("click", () => sendTest(test));
  const off = h("button", { class: "btn secondary", type: "button" }, "Turn off on this device");
  off.addEventListener("click", () => turnOffHere(box, subscription));
  fill(
    box,
    title,
    h("p", { id: "push-status" }, "Reminders are on for this device."),
    iosNote,
    h("div", { class: "row" }, test, off),
  );
}

async function turnOnHere(box, button) {
  button.disabled = true;
  const status = box.querySelector("#push-status");
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      status.textContent =
        "Notifications were not allowed, so reminders stay off. You can try again, or allow them in the browser's site settings.";
      button.disabled = false;
      return;
    }
    const { public_key: key } = await api("/api/push/key");
    let subscription;
    try {
      const registration = await navigator.serviceWorker.ready;
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch {
      status.textContent = CANNOT_SUBSCRIBE;
      status.className = "notice";
      button.disabled = false;
      return;
    }
    await api("/api/push/subscriptions", { method: "POST", body: subscription.toJSON() });
    announce("Reminders are on for this device.");
    await renderDevice(box);
  } catch (error) {
    status.textContent = isOffline(error) ? "You're offline. Try again once you're connected." : error.message;
    button.disabled = false;
  }
}

async function turnOffHere(box, subscription) {
  try {
    await api("/api/push/subscriptions", { method: "DELETE", body: { endpoint: subscription.endpoint } }).catch(
      () => null,
    );
    await subscription.unsubscribe();
    announce("Reminders are off for this device.");
  } finally {
    await renderDevice(box);
  }
}

async function sendTest(button) {
  button.disabled = true;
  try {
    const { delivered, subscriptions } = await api("/api/reminders/test", { method: "POST" });
    announce(
      delivered
        ? `Sent. It should appear in a moment (${delivered} of ${subscriptions} device${subscriptions === 1 ? "" : "s"}).`
        : "It could not be delivered. Try turning reminders off and on again.",
    );
  } catch (error) {
    announce(isOffline(error) ? "You're offline." : error.message);
  } finally {
    button.disabled = false;
  }
}

// --- the settings ------------------------------------------------------------------------------

function settingsForm(settings) {
  const inputs = {};
  const rows = REMINDERS.map(([kind, label, hint]) => {
    const on = h("input", { type: "checkbox", name: `${kind}-on`, checked: settings[kind].enabled });
    const time = h("input", { type: "time", name: `${kind}-time`, value: settings[kind].time, required: true });
    inputs[kind] = { on, time };
    return h(
      "fieldset",
      {},
      h("legend", {}, label),
      h("label", { class: "check" }, on, `Remind me: ${label.toLowerCase()}`),
      field("At", time, hint),
    );
  });
  const quietOn = h("input", { type: "checkbox", name: "quiet-on", checked: settings.quiet_hours.enabled });
  const quietStart = h("input", { type: "time", name: "quiet-start", value: settings.quiet_hours.start });
  const quietEnd = h("input", { type: "time", name: "quiet-end", value: settings.quiet_hours.end });
  const wordingName = uid("wording");
  const wording = (value, text) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "radio", name: wordingName, value, checked: settings.wording === value }),
      text,
    );
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "when-title" },
    h("h2", { id: "when-title" }, "When"),
    h("p", { class: "small muted" }, "Times are in your account's time zone and follow daylight-saving changes."),
    rows,
    h(
      "fieldset",
      {},
      h("legend", {}, "Quiet hours"),
      h("label", { class: "check" }, quietOn, "No reminders during quiet hours"),
      h("div", { class: "two" }, field("From", quietStart), field("To", quietEnd)),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "What a notification says"),
      wording("neutral", "Short and neutral: “Time for your check-in”"),
      wording("discreet", "Discreet: only “A reminder from Waypoint”"),
    ),
    h("button", { class: "btn wide", type: "submit" }, "Save reminders"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      quiet_hours: { enabled: quietOn.checked, start: quietStart.value, end: quietEnd.value },
      wording: form.querySelector(`input[name="${wordingName}"]:checked`)?.value || "neutral",
    };
    for (const [kind] of REMINDERS) body[kind] = { enabled: inputs[kind].on.checked, time: inputs[kind].time.value };
    formError(form, "");
    try {
      await api("/api/reminders", { method: "PUT", body });
      announce("Reminders saved.");
    } catch (error) {
      formError(form, isOffline(error) ? "You're offline. Try again once you're connected." : error.message);
    }
  });
  return form;
}

// --- the calendar feed -------------------------------------------------------------------------

async function renderCalendar(box) {
  const links = await api("/api/calendar-links");
  const created = h("div", { "aria-live": "polite" });
  const add = h("button", { class: "btn", type: "button" }, "Add to calendar");
  add.addEventListener("click", () => createLink(box, created, "owner"));
  const family = h("button", { class: "btn secondary", type: "button" }, "Make a calendar link for family");
  family.addEventListener("click", () => createLink(box, created, "family"));
  const active = links.filter((l) => l.status === "active");
  fill(
    box,
    h("h2", { id: "calendar-title" }, "Calendar"),
    h(
      "p",
      {},
      "Put your planned sessions in your phone's calendar, with a reminder the evening before. The calendar shows the kind of session, its time and your clinic. A family link shows only the time and kind — so whoever drives you knows when.",
    ),
    h("div", { class: "row" }, add, family),
    created,
    active.length
      ? h(
          "ul",
          { class: "list card" },
          active.map((l) =>
            h(
              "li",
              {},
              h("span", { class: "label" }, l.label || (l.audience === "family" ? "Family calendar" : "My calendar")),
              h(
                "span",
                { class: "small muted" },
                `${l.opens ? `Read ${l.opens} time${l.opens === 1 ? "" : "s"}, last ${formatDateTime(l.last_opened_at)}` : "Not read yet"} · until ${formatDateTime(l.expires_at)}`,
              ),
              h(
                "button",
                {
                  class: "btn small secondary",
                  type: "button",
                  "aria-label": `Stop calendar link ${l.label || l.audience}`,
                  onclick: async () => {
                    if (!confirm("Stop this calendar link? Calendars using it stop updating.")) return;
                    await api(`/api/calendar-links/${encodeURIComponent(l.id)}`, { method: "DELETE" });
                    announce("Calendar link stopped.");
                    await renderCalendar(box);
                  },
                },
                "Stop",
              ),
            ),
          ),
        )
      : null,
  );
}

async function createLink(box, created, audience) {
  try {
    const label = audience === "family" ? "Family calendar" : "My calendar";
    const link = await api("/api/calendar-links", { method: "POST", body: { audience, label } });
    await renderCalendar(box);
    const target = box.querySelector('[aria-live="polite"]');
    const url = h("input", { type: "url", readonly: true, value: link.url, id: "calendar-url" });
    fill(
      target,
      h(
        "div",
        { class: "card" },
        h("h3", {}, audience === "family" ? "Family calendar link" : "Your calendar link"),
        h("p", {}, h("a", { class: "btn", href: link.webcal_url, id: "calendar-open" }, "Open in my calendar app")),
        field(
          "Or copy this address into your calendar app (“subscribe by URL”)",
          url,
          "Shown only now. Anyone with it sees the dates until it expires or you stop it.",
        ),
      ),
    );
  } catch (error) {
    fill(
      created,
      h(
        "p",
        { class: "error", role: "alert" },
        isOffline(error) ? "You're offline. Try again once you're connected." : error.message,
      ),
    );
  }
}
