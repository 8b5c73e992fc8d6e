// Today: a check-in in under 10 seconds (tap a mood, tap Save), optional details, recent check-ins.
import { DATA_CHANGED } from "./events.js";
import { checkCrisis } from "./crisis.js";
import { checkedValues, chips, field, fill, formError, h, radioValue, scale, screen } from "./dom.js";
import { entryDetails, formatDateTime, formatDay, formatTime, localDay, localTime } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { announce } from "./status.js";
import { listLocal, outboxItems, remove, save } from "./sync.js";

const TAGS = [
  "Treatment day",
  "Slept well",
  "Slept badly",
  "Exercise",
  "Time outside",
  "Therapy",
  "Time with people",
  "Stress",
  "Headache",
  "Nausea",
];
const RECENT = 10;

export default async function today({ signal }) {
  const form = checkInForm();
  const recent = h(
    "section",
    { "aria-labelledby": "recent-title" },
    h("h2", { id: "recent-title" }, "Recent check-ins"),
    h("ul", { class: "list card", id: "recent" }),
  );
  const next = h("div");
  screen("Today", form, next, recent);
  const refresh = () => Promise.all([renderRecent(recent.querySelector("ul")), renderNext(next)]);
  window.addEventListener(DATA_CHANGED, refresh, { signal });
  await refresh();
}

function optionalScale(name, legend, low, high) {
  const box = scale({ name, legend, low, high, compact: true });
  const clear = h("button", { class: "linkish small", type: "button" }, `Clear ${legend.toLowerCase()}`);
  clear.addEventListener("click", () => {
    for (const i of box.querySelectorAll("input")) i.checked = false;
  });
  box.append(clear);
  return box;
}

function checkInForm() {
  const sleep = h("input", { type: "number", name: "sleep", min: 0, max: 24, step: 0.5, inputmode: "decimal" });
  const day = h("input", { type: "date", name: "day", value: localDay(), max: localDay() });
  const newTag = h("input", { type: "text", name: "newtag", maxlength: 40, enterkeyhint: "done" });
  const note = h("textarea", { name: "note", maxlength: 10000, rows: 3 });
  const tagBox = chips("tag", TAGS);
  const addTag = h("button", { class: "btn small secondary", type: "button" }, "Add tag");
  addTag.addEventListener("click", () => {
    const word = newTag.value.trim().slice(0, 40);
    if (!word) return;
    tagBox.append(...chips("tag", [word], new Set([word])).childNodes);
    newTag.value = "";
    newTag.focus();
  });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": "Check in" },
    scale({ name: "mood", legend: "How is your mood right now?", low: "Worst", high: "Best" }),
    h(
      "details",
      {},
      h("summary", {}, "Add more (optional)"),
      optionalScale("anxiety", "Anxiety", "None", "Severe"),
      optionalScale("energy", "Energy", "None", "Full"),
      field("Hours of sleep last night", sleep),
      h("fieldset", {}, h("legend", {}, "Tags"), tagBox),
      h("div", { class: "row" }, h("label", { class: "grow" }, h("span", { class: "sr" }, "New tag"), newTag), addTag),
      field("Note", note, "Only you can read this, unless you export it."),
      field("Day", day),
    ),
    h("button", { class: "btn wide", type: "submit" }, "Save check-in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mood = radioValue(form, "mood");
    if (mood === null) {
      formError(form, "Choose a number for your mood (0 = worst, 10 = best).");
      form.querySelector('input[name="mood"]').focus();
      return;
    }
    formError(form, "");
    const num = (name) => (radioValue(form, name) === null ? null : Number(radioValue(form, name)));
    const chosenDay = day.value && day.value <= localDay() ? day.value : localDay();
    const entry = {
      day: chosenDay,
      time: chosenDay === localDay() ? localTime() : null,
      mood: Number(mood),
      anxiety: num("anxiety"),
      energy: num("energy"),
      sleep_hours: sleep.value === "" ? null : Math.min(24, Math.max(0, Number(sleep.value))),
      tags: [...new Set(checkedValues(form, "tag"))].slice(0, 20),
      note: note.value.trim(),
    };
    const outcome = await save("entry", entry);
    form.reset();
    day.value = localDay();
    if (outcome.sent) announce("Check-in saved.");
    else if (outcome.offline) announce("Saved on this phone. It will be sent when you're back online.");
    else if (outcome.conflict) announce("Saved. It needs your choice: see the note at the top.");
    else announce(`Saved on this phone, but the server refused it: ${outcome.error?.message || "unknown error"}`);
    checkCrisis("entry", entry, outcome);
  });
  return form;
}

async function renderRecent(list) {
  const [entries, outbox] = await Promise.all([listLocal("entry", (e) => `${e.day}T${e.time || "99"}`), outboxItems()]);
  const states = new Map(outbox.map((i) => [i.key, i.state]));
  if (!entries.length) {
    fill(list, h("li", { class: "muted" }, "No check-ins yet. Your first one takes a few seconds."));
    return;
  }
  fill(
    list,
    ...entries.slice(0, RECENT).map((e) => {
      const state = states.get(e.key);
      const badge =
        state === "conflict" || state === "error"
          ? h("span", { class: "badge alert" }, "Needs your choice")
          : e.pending || state
            ? h("span", { class: "badge pending" }, "Waiting to sync")
            : null;
      const del = h(
        "button",
        {
          class: "linkish small",
          type: "button",
          "aria-label": `Delete check-in of ${formatDay(e.day)}${e.time ? ` at ${formatTime(e.time)}` : ""}`,
        },
        "Delete",
      );
      del.addEventListener("click", async () => {
        if (!confirm("Delete this check-in?")) return;
        await remove("entry", e.id);
        announce("Check-in deleted.");
      });
      return h(
        "li",
        { class: "checkin", dataset: { id: e.id } },
        h(
          "div",
          { class: "row" },
          h("span", { class: "grow label" }, `${formatDay(e.day)}${e.time ? `, ${formatTime(e.time)}` : ""}`),
          h("span", { class: "badge" }, `Mood ${e.mood}/10`),
          badge,
        ),
        entryDetails(e) ? h("p", { class: "small muted note" }, entryDetails(e)) : null,
        del,
      );
    }),
  );
}

async function renderNext(box) {
  const now = new Date().toISOString();
  const planned = (await listLocal("treatment", (t) => new Date(t.at).getTime())).filter(
    (t) => t.status === "planned" && new Date(t.at) >= new Date(now),
  );
  const soonest = planned.at(-1);
  fill(
    box,
    soonest
      ? h(
          "p",
          { class: "card" },
          h("span", { class: "label" }, "Next treatment"),
          `${TREATMENT_KINDS[soonest.kind] || soonest.kind}, ${formatDateTime(soonest.at)}. `,
          h("a", { href: "#/treatments" }, "Treatments"),
        )
      : null,
    h(
      "p",
      {},
      h("a", { href: "#/questionnaires" }, "Take a PHQ-9 or GAD-7 questionnaire"),
      h("span", { class: "muted small" }, " — every week or two helps you and your clinician see the trend."),
    ),
  );
}
