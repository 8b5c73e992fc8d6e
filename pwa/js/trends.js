// Trends: mood next to treatment dates, scores with their bands, a summary in words, and the
// same numbers as a table. Tapping a day (chart or table) lists that day's check-ins.
import { DATA_CHANGED } from "./events.js";
import { api, isOffline } from "./api.js";
import { drawChart } from "./chart.js";
import { fill, h, screen } from "./dom.js";
import { addDays, describe, formatDay, localDay } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { getMeta, setMeta } from "./db.js";
import { summarySentences } from "./summary.js";
import { announce } from "./status.js";
import { listLocal } from "./sync.js";

const RANGES = [30, 90, 365];

export default async function trends({ signal }) {
  let span = Number(sessionStorage.getItem("trend-span")) || 30;
  const buttons = RANGES.map((days) =>
    h("button", { type: "button", "aria-pressed": String(days === span), onclick: () => choose(days) }, `${days} days`),
  );
  const body = h("div", { "aria-busy": "true" });
  screen("Trends", h("div", { class: "seg", role: "group", "aria-label": "Period" }, buttons), body);

  async function choose(days) {
    span = days;
    sessionStorage.setItem("trend-span", String(days));
    for (const [i, b] of buttons.entries()) b.setAttribute("aria-pressed", String(RANGES[i] === days));
    await load();
    announce(`Showing the last ${days} days.`);
  }
  async function load() {
    body.setAttribute("aria-busy", "true");
    const to = localDay();
    const from = addDays(to, -(span - 1));
    let data;
    let stale = false;
    try {
      data = await api(`/api/trends?from=${from}&to=${to}`, { signal });
      const cache = (await getMeta("trends")) || {};
      cache[span] = data;
      await setMeta("trends", cache);
    } catch (error) {
      if (signal.aborted) return;
      if (!isOffline(error)) throw error;
      data = (await getMeta("trends"))?.[span];
      stale = true;
    }
    if (signal.aborted) return;
    fill(
      body,
      ...(data
        ? view(data, stale)
        : [h("p", {}, "You're offline, and these trends haven't been loaded on this phone yet.")]),
    );
    body.setAttribute("aria-busy", "false");
  }
  window.addEventListener(DATA_CHANGED, () => load().catch(() => {}), { signal });
  await load();
}

function view(data, stale) {
  const dayBox = h("section", { class: "card", "aria-live": "polite", id: "day-detail", hidden: true });
  const showDay = (day) => showCheckins(dayBox, day);
  const sentences = summarySentences(data.summary);
  const logged = data.days.some((d) => d.checkins > 0);
  return [
    stale ? h("p", { class: "badge pending" }, "Offline: showing the last saved copy") : null,
    h(
      "section",
      { class: "card", "aria-labelledby": "sum-title" },
      h("h2", { id: "sum-title" }, "Summary"),
      sentences.map((t) => h("p", {}, t)),
    ),
    h(
      "figure",
      { class: "card" },
      h(
        "figcaption",
        { id: "chart-title", class: "label" },
        `Daily mood, ${formatDay(data.days[0]?.day || localDay())} to ${formatDay(data.days.at(-1)?.day || localDay())}`,
      ),
      drawChart(data, { onDay: showDay, titleId: "chart-title" }),
      legend(data),
      logged
        ? h(
            "p",
            { class: "small muted" },
            "Tap the chart to see a day's check-ins. The table below has the same numbers.",
          )
        : h("p", { class: "muted" }, "No check-ins in this period yet."),
    ),
    dayBox,
    table(data, showDay),
  ];
}

function legend(data) {
  const items = [
    ["k-mood", "Daily mood (0–10)"],
    ["k-mean", "7-day average"],
    ["k-treat", "Treatment (dashed: planned)"],
  ];
  if (data.assessments.some((a) => a.instrument === "phq9")) items.push(["k-phq9", "PHQ-9 (0–27)"]);
  if (data.assessments.some((a) => a.instrument === "gad7")) items.push(["k-gad7", "GAD-7 (0–21)"]);
  return h(
    "ul",
    { class: "legend" },
    items.map(([k, label]) => h("li", {}, h("i", { class: k, "aria-hidden": "true" }), label)),
  );
}

function table(data, showDay) {
  const events = new Map();
  const note = (day, text) => events.set(day, [...(events.get(day) || []), text]);
  for (const t of data.treatments)
    if (t.status !== "cancelled")
      note(t.day, `${TREATMENT_KINDS[t.kind] || t.kind}${t.status === "planned" ? " (planned)" : ""}`);
  for (const a of data.assessments)
    note(a.day, `${a.instrument === "phq9" ? "PHQ-9" : "GAD-7"} ${a.total} (${a.band.replaceAll("_", " ")})`);
  const rows = data.days.filter((d) => d.checkins > 0 || events.has(d.day)).reverse();
  const fmt = (v) => (v == null ? "—" : String(Math.round(v * 10) / 10));
  return h(
    "section",
    { "aria-labelledby": "table-title" },
    h("h2", { id: "table-title" }, "By day"),
    rows.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            {},
            h(
              "caption",
              { class: "sr" },
              "Daily values: mood, 7-day average, anxiety, energy, sleep, number of check-ins, treatments and scores",
            ),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [
                  "Day",
                  "Mood",
                  "7-day avg",
                  "Anxiety",
                  "Energy",
                  "Sleep (h)",
                  "Check-ins",
                  "Treatments and scores",
                ].map((c, i) => h("th", { scope: "col", class: i > 0 && i < 7 ? "num" : null }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              rows.map((d) =>
                h(
                  "tr",
                  { dataset: { day: d.day } },
                  h(
                    "th",
                    { scope: "row" },
                    d.checkins
                      ? h(
                          "button",
                          { class: "linkish", type: "button", onclick: () => showDay(d.day) },
                          formatDay(d.day),
                        )
                      : formatDay(d.day),
                  ),
                  [d.mood, d.mood_7d, d.anxiety, d.energy, d.sleep_hours].map((v) => h("td", { class: "num" }, fmt(v))),
                  h("td", { class: "num" }, String(d.checkins)),
                  h("td", {}, (events.get(d.day) || []).join("; ")),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Nothing logged in this period."),
  );
}

async function showCheckins(box, day) {
  box.hidden = false;
  let entries;
  try {
    entries = await api(`/api/entries?from=${day}&to=${day}`);
  } catch (error) {
    if (!isOffline(error)) throw error;
    entries = (await listLocal("entry", (e) => e.time || "")).filter((e) => e.day === day).reverse();
  }
  fill(
    box,
    h("h2", {}, `Check-ins on ${formatDay(day)}`),
    entries.length
      ? h(
          "ul",
          { class: "list" },
          entries.map((e) => h("li", { class: "note" }, describe("entry", e))),
        )
      : h("p", { class: "muted" }, "No check-in on this day."),
  );
}
