// A month at a glance ("year in pixels" style): each day coloured by its mood on a colour-blind-
// safe scale (dark blue = low to yellow = high, after cividis) with the number written in it,
// treatment days marked, and a tap on a day lists what was logged. Built from the copy on this
// phone, so it works offline.
import { fill, h, screen } from "./dom.js";
import { DATA_CHANGED } from "./events.js";
import { describe, formatDay, localDay, pad } from "./format.js";
import { listLocal } from "./sync.js";

// Mood 0..10 -> the classes m0..m10 in app.css (colours there, no inline style: the CSP forbids it).
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const monthFormat = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

export default async function calendar({ params, signal }) {
  let month = /^\d{4}-\d{2}$/.test(params[0] || "") ? params[0] : localDay().slice(0, 7);
  const grid = h("div");
  const detail = h("section", { class: "card", id: "calendar-day", "aria-live": "polite", hidden: true });
  const title = h("h2", { id: "month-title" });
  const step = (n) => {
    const [y, m] = month.split("-").map(Number);
    const d = new Date(y, m - 1 + n, 1);
    month = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
    detail.hidden = true;
    render();
  };
  screen(
    "Month view",
    h("p", {}, h("a", { href: "#/trends" }, "← Back to trends")),
    h(
      "div",
      { class: "row month-nav" },
      h("button", { class: "btn small secondary", type: "button", onclick: () => step(-1) }, "Previous month"),
      h("button", { class: "btn small secondary", type: "button", onclick: () => step(1) }, "Next month"),
    ),
    h("section", { "aria-labelledby": "month-title" }, title, grid),
    h(
      "p",
      { class: "small muted" },
      "The number in a day is its mood (0 = worst, 10 = best; the average when you checked in more than once). Darker blue is lower, yellow is higher. ▼ marks a treatment day.",
    ),
    detail,
  );
  async function render() {
    const [entries, treatments] = await Promise.all([
      listLocal("entry", (e) => `${e.day}T${e.time || "99"}`),
      listLocal("treatment", (t) => t.at),
    ]);
    title.textContent = monthFormat.format(new Date(`${month}-15T12:00:00`));
    fill(
      grid,
      monthGrid(month, entries, treatments, (day) => showDay(detail, day, entries, treatments)),
    );
  }
  window.addEventListener(DATA_CHANGED, () => render(), { signal });
  await render();
}

const localDayOf = (iso) => localDay(new Date(iso));

function monthGrid(month, entries, treatments, onDay) {
  const [y, m] = month.split("-").map(Number);
  const daysIn = new Date(y, m, 0).getDate();
  const lead = (new Date(y, m - 1, 1).getDay() + 6) % 7; // Monday first
  const moods = new Map();
  for (const e of entries) if (e.day.startsWith(month)) moods.set(e.day, [...(moods.get(e.day) || []), e.mood]);
  const treated = new Set(treatments.filter((t) => t.status !== "cancelled").map((t) => localDayOf(t.at)));
  const cells = [];
  for (let i = 0; i < lead; i++) cells.push(h("span", { class: "day blank", "aria-hidden": "true" }));
  for (let d = 1; d <= daysIn; d++) {
    const day = `${month}-${pad(d)}`;
    const list = moods.get(day);
    const mood = list ? Math.round(list.reduce((a, b) => a + b, 0) / list.length) : null;
    const isTreated = treated.has(day);
    const words = [formatDay(day), mood == null ? "no check-in" : `mood ${mood}`, isTreated ? "treatment day" : null];
    cells.push(
      h(
        "button",
        {
          type: "button",
          class: `day ${mood == null ? "empty" : `m${mood}`}${isTreated ? " treated" : ""}${day === localDay() ? " today" : ""}`,
          "aria-label": words.filter(Boolean).join(", "),
          dataset: { day, mood: mood ?? "" },
          onclick: () => onDay(day),
        },
        h("span", { class: "dom", "aria-hidden": "true" }, String(d), isTreated ? " ▼" : ""),
        h("span", { class: "mood-n", "aria-hidden": "true" }, mood == null ? "" : String(mood)),
      ),
    );
  }
  return h(
    "div",
    { class: "month" },
    WEEKDAYS.map((w) => h("span", { class: "weekday", "aria-hidden": "true" }, w)),
    cells,
  );
}

function showDay(box, day, entries, treatments) {
  box.hidden = false;
  const mine = entries.filter((e) => e.day === day).reverse();
  const sessions = treatments.filter((t) => localDayOf(t.at) === day && t.status !== "cancelled");
  fill(
    box,
    h("h2", { tabindex: "-1" }, formatDay(day)),
    sessions.length
      ? h(
          "ul",
          { class: "list" },
          sessions.map((t) => h("li", {}, describe("treatment", t))),
        )
      : null,
    mine.length
      ? h(
          "ul",
          { class: "list" },
          mine.map((e) => h("li", { class: "note" }, describe("entry", e))),
        )
      : h("p", { class: "muted" }, "No check-in on this day."),
  );
  box.scrollIntoView({ block: "nearest" });
  box.querySelector("h2").focus({ preventScroll: true });
}
