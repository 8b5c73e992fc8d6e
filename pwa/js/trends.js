// Trends, written for patients: one plain sentence and the chart first, details below. Tapping
// a day (chart, table or a treatment marker) shows that day's check-ins and sessions.
import { api, isOffline } from "./api.js";
import { drawChart } from "./chart.js";
import { getMeta, get as getRecord, recordKey, setMeta } from "./db.js";
import { fill, h, screen } from "./dom.js";
import { DATA_CHANGED } from "./events.js";
import { addDays, describe, formatDay, formatDayYear, localDay } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { promptCard } from "./prompts.js";
import { announce } from "./status.js";
import { checkinRate, headline, summarySentences } from "./summary.js";
import { listLocal } from "./sync.js";

const RANGES = [30, 90, 365];

export default async function trends({ signal }) {
  let span = Number(sessionStorage.getItem("trend-span")) || 30;
  const buttons = RANGES.map((days) =>
    h("button", { type: "button", "aria-pressed": String(days === span), onclick: () => choose(days) }, `${days} days`),
  );
  const body = h("div", { "aria-busy": "true" });
  // The day whose details are open: kept when new data redraws the screen (a sync landing).
  let selected = null;
  screen(
    "Trends",
    h(
      "div",
      { class: "row" },
      h("div", { class: "seg", role: "group", "aria-label": "Period" }, buttons),
      h("a", { href: "#/calendar", class: "btn small secondary" }, "Month view"),
    ),
    body,
  );

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
        ? view(fromFirstData(data), stale, selected, (day) => (selected = day))
        : [h("p", {}, "You're offline, and these trends haven't been loaded on this phone yet.")]),
    );
    body.setAttribute("aria-busy", "false");
  }
  window.addEventListener(DATA_CHANGED, () => load().catch(() => {}), { signal });
  await load();
}

/** The period from the person's first data on (a check-in, a treatment or a questionnaire). */
function fromFirstData(data) {
  const marked = new Set([...data.treatments, ...data.assessments].map((m) => m.day));
  const first = data.days.findIndex((d) => d.checkins > 0 || marked.has(d.day));
  return first > 0 ? { ...data, days: data.days.slice(first) } : data;
}

function view(data, stale, selected, onSelect) {
  const dayBox = h("section", { class: "card", "aria-live": "polite", id: "day-detail", hidden: true });
  const showDay = (day) => {
    onSelect(day);
    return showDetails(dayBox, day, data);
  };
  if (selected && data.days.some((d) => d.day === selected)) showDetails(dayBox, selected, data).catch(() => {});
  const rate = checkinRate(data.days);
  const logged = data.days.some((d) => d.checkins > 0);
  const first = data.days[0]?.day || localDay();
  const last = data.days.at(-1)?.day || localDay();
  return [
    stale ? h("p", { class: "badge pending" }, "Offline: showing the last saved copy") : null,
    h("p", { class: "headline", id: "headline" }, headline(data.summary)),
    promptCard(data.summary?.prompts),
    h(
      "figure",
      { class: "card" },
      h(
        "figcaption",
        { id: "chart-title", class: "label" },
        `Daily mood, ${formatDayYear(first)} to ${formatDayYear(last)}`,
      ),
      drawChart(data, { onDay: showDay, titleId: "chart-title", baseline: data.summary?.baseline_mood ?? null }),
      legend(data),
      logged
        ? h(
            "p",
            { class: "small muted" },
            "Tap a day or a treatment mark (▼) to see its details. The table below has the same numbers.",
          )
        : h("p", { class: "muted" }, "No check-ins in this period yet."),
    ),
    dayBox,
    h(
      "section",
      { class: "card", "aria-labelledby": "sum-title" },
      h("h2", { id: "sum-title" }, "Details"),
      summarySentences(data.summary, { rate }).map((t) => h("p", {}, t)),
    ),
    table(data, showDay),
  ];
}

function legend(data) {
  const items = [
    ["k-mood", "Daily mood (0–10)"],
    ["k-mean", "7-day average"],
  ];
  if (data.summary?.baseline_mood != null) items.push(["k-base", "Before treatment (baseline)"]);
  items.push(["k-treat", "Treatment (dashed: planned)"]);
  if (data.assessments.some((a) => a.instrument === "phq9")) items.push(["k-phq9", "PHQ-9 (0–27)"]);
  if (data.assessments.some((a) => a.instrument === "gad7")) items.push(["k-gad7", "GAD-7 (0–21)"]);
  return h(
    "ul",
    { class: "legend" },
    items.map(([k, label]) => h("li", {}, h("i", { class: k, "aria-hidden": "true" }), label)),
  );
}

const COLUMNS = ["Mood", "7-day avg", "Anxiety", "Energy", "Sleep (h)", "Check-ins"];

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
  // On a phone each row stacks into a small block (the labels come from data-label), so no
  // column is ever hidden or scrolled away.
  return h(
    "section",
    { "aria-labelledby": "table-title" },
    h("h2", { id: "table-title" }, "By day"),
    rows.length
      ? h(
          "table",
          { class: "stack-table" },
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
              h("th", { scope: "col" }, "Day"),
              COLUMNS.map((c) => h("th", { scope: "col", class: "num" }, c)),
              h("th", { scope: "col" }, "Treatments and scores"),
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
                  h("button", { class: "linkish", type: "button", onclick: () => showDay(d.day) }, formatDay(d.day)),
                ),
                [d.mood, d.mood_7d, d.anxiety, d.energy, d.sleep_hours, d.checkins].map((v, i) =>
                  h("td", { class: "num", "data-label": COLUMNS[i] }, i === 5 ? String(v) : fmt(v)),
                ),
                h("td", { "data-label": "Treatments and scores" }, (events.get(d.day) || []).join("; ") || "—"),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Nothing logged in this period."),
  );
}

/** A treatment in full, from the copy on this phone (the chart's marker has only its day and kind). */
async function sessionDetails(marker) {
  const t = (await getRecord("records", recordKey("treatment", marker.id)).catch(() => null)) || marker;
  const bits = [
    t.dose_mg ? `${t.dose_mg} mg` : null,
    t.clinic,
    t.side_effects?.length ? `side effects: ${t.side_effects.join(", ")}` : null,
    t.bp_before ? `blood pressure before ${t.bp_before.systolic}/${t.bp_before.diastolic}` : null,
    t.bp_after ? `after ${t.bp_after.systolic}/${t.bp_after.diastolic}` : null,
  ].filter(Boolean);
  return h(
    "li",
    {},
    h("span", { class: "label" }, `${TREATMENT_KINDS[t.kind] || t.kind} (${t.status})`),
    bits.length ? h("span", { class: "small" }, bits.join(" · ")) : null,
    t.notes ? h("p", { class: "small note" }, t.notes) : null,
  );
}

async function showDetails(box, day, data) {
  box.hidden = false;
  let entries;
  try {
    entries = await api(`/api/entries?from=${day}&to=${day}`);
  } catch (error) {
    if (!isOffline(error)) throw error;
    entries = (await listLocal("entry", (e) => e.time || "")).filter((e) => e.day === day).reverse();
  }
  const sessions = await Promise.all(
    data.treatments.filter((t) => t.day === day && t.status !== "cancelled").map(sessionDetails),
  );
  fill(
    box,
    h("h2", {}, formatDay(day)),
    sessions.length ? [h("h3", {}, "Treatment"), h("ul", { class: "list" }, sessions)] : null,
    entries.length
      ? [
          h("h3", {}, "Check-ins"),
          h(
            "ul",
            { class: "list" },
            entries.map((e) => h("li", { class: "note" }, describe("entry", e))),
          ),
        ]
      : h("p", { class: "muted" }, "No check-in on this day."),
  );
}
