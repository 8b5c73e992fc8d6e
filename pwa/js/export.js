// Export (PDF report, CSV, FHIR, full archive) and import (a Waypoint archive, a Daylio CSV).
import { api, isOffline } from "./api.js";
import { field, fill, h, screen } from "./dom.js";
import { addDays, localDay } from "./format.js";
import { announce } from "./status.js";
import { sync } from "./sync.js";

// Daylio's column names as a person reads them.
const COLUMN_WORDS = {
  full_date: "date",
  activities: "activities",
  note: "note",
  mood: "mood",
  time: "time",
  row: "the row",
};

export default async function exportScreen() {
  const from = h("input", { type: "date", name: "from", value: addDays(localDay(), -89), max: localDay() });
  const to = h("input", { type: "date", name: "to", value: localDay(), max: localDay() });
  const report = h("a", { class: "btn wide", download: "" }, "Download the PDF report");
  const period = () => `from=${from.value}&to=${to.value}`;
  const setReport = () => report.setAttribute("href", `/api/export/report.pdf?${period()}`);
  from.addEventListener("change", setReport);
  to.addEventListener("change", setReport);
  setReport();
  const download = (href, label, hint) =>
    h("li", {}, h("a", { href, download: "" }, label), h("span", { class: "small muted" }, ` — ${hint}`));
  screen(
    "Export and import",
    h(
      "section",
      { class: "card", "aria-labelledby": "report-title" },
      h("h2", { id: "report-title" }, "Report for your clinician"),
      h(
        "p",
        {},
        "One page: daily mood with treatment dates, PHQ-9 and GAD-7 scores with their bands, baseline against now, side effects and how often you checked in.",
      ),
      h("div", { class: "two" }, field("From", from), field("To", to)),
      report,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "data-title" },
      h("h2", { id: "data-title" }, "Your data"),
      h(
        "ul",
        { class: "list" },
        download("/api/export/entries.csv", "Check-ins (CSV)", "opens in a spreadsheet"),
        download("/api/export/treatments.csv", "Treatments (CSV)", "opens in a spreadsheet"),
        download("/api/export/assessments.csv", "Questionnaires (CSV)", "scores and answers"),
        download("/api/export/fhir", "FHIR R4 bundle (JSON)", "for clinic systems"),
        download("/api/export/archive", "Full archive (JSON)", "everything, to keep or to move to another Waypoint"),
      ),
    ),
    importCard(
      "archive-title",
      "Import a Waypoint archive",
      "A file you exported from Waypoint. Nothing already here is overwritten.",
      ".json,application/json",
      "/api/import/archive",
      "application/json",
    ),
    importCard(
      "daylio-title",
      "Import from Daylio",
      "The CSV file Daylio exports. Moods become check-ins: rad 9, good 7, meh 5, bad 3, awful 1.",
      ".csv,text/csv",
      "/api/import/daylio",
      "text/csv",
    ),
  );
}

function importCard(id, title, hint, accept, path, type) {
  const file = h("input", { type: "file", accept, name: "file" });
  const result = h("div", { "aria-live": "polite" });
  const button = h("button", { class: "btn secondary", type: "submit" }, "Import");
  const form = h(
    "form",
    { class: "card", "aria-labelledby": id, novalidate: true },
    h("h2", { id }, title),
    field("File", file, hint),
    button,
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return fill(result, h("p", { class: "error", role: "alert" }, "Choose a file first."));
    button.disabled = true;
    try {
      const outcome = await api(path, { method: "POST", raw: await chosen.text(), type });
      fill(result, h("p", {}, summary(outcome)));
      announce("Import finished.");
      await sync();
    } catch (error) {
      const lines = (error.body?.extra || [])
        .filter((e) => e.line)
        .map((e) => `Line ${e.line}, ${COLUMN_WORDS[e.field] || e.field}: ${e.message}`);
      fill(
        result,
        h(
          "p",
          { class: "error", role: "alert" },
          isOffline(error) ? "You're offline. Import needs a connection." : error.message,
        ),
        lines.length
          ? h(
              "ul",
              { class: "small" },
              lines.map((l) => h("li", {}, l)),
            )
          : null,
      );
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function summary(r) {
  if (!r) return "Imported.";
  const parts = [`${r.created ?? 0} added`];
  if (r.unchanged) parts.push(`${r.unchanged} already here`);
  if (r.conflicts) parts.push(`${r.conflicts} kept as they were (they differ from the file)`);
  const words = { display_name: "name", timezone: "time zone", baseline_date: "baseline date" };
  if (r.account_updated?.length)
    parts.push(`profile: ${r.account_updated.map((f) => words[f] || "details").join(", ")}`);
  return `Done: ${parts.join(", ")}.`;
}
