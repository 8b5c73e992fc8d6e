// "More": the screens that do not fit in the tab bar, and log out.
import { api } from "./api.js";
import { h, screen } from "./dom.js";
import { go } from "./nav.js";
import { session, signedOut } from "./session.js";
import { outboxItems } from "./sync.js";
import { announce } from "./status.js";

const LINKS = [
  ["#/safety-plan", "My safety plan", "Your own steps and people to call in a hard moment"],
  ["#/questionnaires", "Questionnaires", "PHQ-9 (depression) and GAD-7 (anxiety) check-ups"],
  ["#/share", "Share", "Links for family and for your clinician"],
  ["#/reminders", "Reminders and calendar", "Gentle notifications; your sessions in your calendar"],
  ["#/export", "Export and import", "PDF report, CSV, FHIR, archive; import from Daylio"],
  ["#/account", "Account", "Name, time zone, devices, password"],
];

export default async function more() {
  const logout = h("button", { class: "btn secondary", type: "button", onclick: logOut }, "Log out");
  screen(
    "More",
    h("p", { class: "muted" }, `Logged in as ${session.account.display_name || session.account.username}.`),
    h(
      "ul",
      { class: "list" },
      LINKS.map(([href, title, hint]) =>
        h("li", {}, h("a", { href, class: "label" }, title), h("span", { class: "small muted" }, hint)),
      ),
    ),
    h("p", {}, logout),
  );
}

async function logOut() {
  const waiting = (await outboxItems()).length;
  if (
    waiting &&
    !confirm(
      `${waiting} change(s) haven't reached the server yet. They stay on this phone and will be sent the next time you log in here. Log out now?`,
    )
  )
    return;
  try {
    await api("/api/session", { method: "DELETE" });
  } catch (error) {
    announce(`Could not log out: ${error.message}`);
    return;
  }
  await signedOut();
  announce("You're logged out.");
  go("login");
}
