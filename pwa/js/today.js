// Today: a check-in in under 10 seconds (tap a mood, tap Save), optional details, recent
// check-ins (each can be edited: same versioned PUT, offline-first like a new one).
import { takeDraft } from "./conflicts.js";
import { checkCrisis } from "./crisis.js";
import { checkedValues, chips, clearErrors, field, fill, h, radioValue, scale, screen, showProblems } from "./dom.js";
import { DATA_CHANGED } from "./events.js";
import { entryDetails, formatDateTime, formatDay, formatTime, localDay, localTime } from "./format.js";
import { installCard } from "./install.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { promptCard } from "./prompts.js";
import { announce, announceSaved } from "./status.js";
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
const OWN_TAGS = 12;

export default async function today({ params, signal }) {
  const formBox = h("div");
  const recent = h(
    "section",
    { "aria-labelledby": "recent-title" },
    h("h2", { id: "recent-title" }, "Recent check-ins"),
    h("ul", { class: "list card", id: "recent" }),
  );
  const next = h("div");
  const install = h("div");
  const prompts = h("div", { id: "prompts" });
  screen("Today", formBox, prompts, install, next, recent);
  // Tags are counted afresh each time the form is drawn, so a new tag is offered at once.
  const tags = async () => ownTags(await listLocal("entry", sortKey));
  // After a save: a fresh form, and the list redrawn before the toast picks its place.
  const saved = async (outcome) => {
    await showNew();
    fill(prompts, promptCard(outcome?.record?.prompts));
    await refresh();
  };
  const showNew = async () => fill(formBox, entryForm({ tags: await tags(), onSaved: saved }));
  const edit = async (record) => {
    fill(formBox, entryForm({ record, tags: await tags(), onSaved: saved, onCancel: showNew }));
    formBox.querySelector("h2")?.focus();
  };
  const draft = params[0] === "edit" ? takeDraft("entry") : null;
  if (draft) await edit({ ...draft.draft, id: draft.id, version: draft.baseVersion });
  else await showNew();
  // One redraw at a time: a save's redraw and a sync's (DATA_CHANGED) would otherwise interleave,
  // and a later one could insert the install card above the list after the save had scrolled
  // its check-in into view. A failed redraw does not stop the next one.
  let drawing = Promise.resolve();
  const draw = () =>
    Promise.all([renderRecent(recent.querySelector("ul"), edit), renderNext(next), renderInstall(install)]);
  const refresh = () => {
    drawing = drawing.catch(() => {}).then(draw);
    return drawing;
  };
  window.addEventListener(DATA_CHANGED, refresh, { signal });
  await refresh();
}

// Newest first. Times are to the minute, so two check-ins of one minute are told apart by when
// the server stored them; one still waiting to be sent ("~" sorts after any date) is the newest.
const sortKey = (e) => `${e.day}T${e.time || "99"}|${e.updated_at || "~"}`;

/** The person's own tags (not the defaults), most used first, from the check-ins on this phone. */
export function ownTags(entries) {
  const counts = new Map();
  for (const e of entries) for (const tag of e.tags || []) counts.set(tag, (counts.get(tag) || 0) + 1);
  return [...counts]
    .filter(([tag]) => !TAGS.includes(tag))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, OWN_TAGS)
    .map(([tag]) => tag);
}

function optionalScale(name, legend, low, high, value) {
  const box = scale({ name, legend, low, high, compact: true, value });
  const clear = h("button", { class: "linkish small", type: "button" }, `Clear ${legend.toLowerCase()}`);
  clear.addEventListener("click", () => {
    for (const i of box.querySelectorAll("input")) i.checked = false;
  });
  box.append(clear);
  return box;
}

const whenOf = (e) => `${formatDay(e.day)}${e.time ? `, ${formatTime(e.time)}` : ""}`;

/** The check-in form: new (record null) or an edit of `record` (its id and version are kept). */
function entryForm({ record = null, tags, onSaved, onCancel }) {
  const r = record || {};
  const chosen = new Set(r.tags || []);
  const words = [...new Set([...tags, ...TAGS, ...chosen])];
  const sleep = h("input", {
    type: "number",
    name: "sleep",
    min: 0,
    max: 24,
    step: 0.5,
    inputmode: "decimal",
    value: r.sleep_hours ?? "",
  });
  const day = h("input", { type: "date", name: "day", value: r.day || localDay(), max: localDay() });
  const newTag = h("input", { type: "text", name: "newtag", maxlength: 40, enterkeyhint: "done" });
  const note = h("textarea", { name: "note", maxlength: 10000, rows: 3 }, r.note || "");
  const tagBox = chips("tag", words, chosen);
  const addTag = h("button", { class: "btn small secondary", type: "button" }, "Add tag");
  addTag.addEventListener("click", () => {
    const word = newTag.value.trim().slice(0, 40);
    if (!word) return;
    tagBox.append(...chips("tag", [word], new Set([word])).childNodes);
    newTag.value = "";
    newTag.focus();
  });
  const mood = scale({
    name: "mood",
    legend: "How is your mood right now?",
    low: "Worst",
    high: "Best",
    value: r.mood,
  });
  const details = h(
    "details",
    { open: Boolean(record) },
    h("summary", {}, "Add more (optional)"),
    optionalScale("anxiety", "Anxiety", "None", "Severe", r.anxiety),
    optionalScale("energy", "Energy", "None", "Full", r.energy),
    field("Hours of sleep last night", sleep),
    h("fieldset", {}, h("legend", {}, "Tags"), tagBox),
    h("div", { class: "row" }, h("label", { class: "grow" }, h("span", { class: "sr" }, "New tag"), newTag), addTag),
    field("Note", note, "Only you can read this, unless you export it."),
    field("Day", day),
  );
  const title = record ? `Edit the check-in of ${whenOf(r)}` : null;
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": record ? title : "Check in" },
    record ? h("h2", { tabindex: "-1" }, title) : null,
    mood,
    details,
    h(
      "div",
      { class: "row" },
      h("button", { class: "btn wide", type: "submit" }, record ? "Save changes" : "Save check-in"),
      onCancel ? h("button", { class: "btn secondary wide", type: "button", onclick: onCancel }, "Cancel") : null,
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const num = (name) => (radioValue(form, name) === null ? null : Number(radioValue(form, name)));
    const chosenDay = day.value && day.value <= localDay() ? day.value : localDay();
    const entry = {
      day: chosenDay,
      // An edit keeps its time of day; a new check-in for today gets the time now.
      time: record ? (r.day === chosenDay ? r.time : null) : chosenDay === localDay() ? localTime() : null,
      mood: num("mood"),
      anxiety: num("anxiety"),
      energy: num("energy"),
      sleep_hours: sleep.value === "" ? null : Math.min(24, Math.max(0, Number(sleep.value))),
      tags: [...new Set(checkedValues(form, "tag"))].slice(0, 20),
      note: note.value.trim(),
    };
    clearErrors(form);
    const outcome = await save("entry", entry, record ? { id: r.id, baseVersion: r.version } : {});
    const controls = { mood, anxiety: form.querySelector(".scale-field:has([name=anxiety])"), day, sleep_hours: sleep };
    if (outcome.invalid) {
      details.open = details.open || outcome.invalid.some(([name]) => name !== "mood");
      showProblems(form, outcome.invalid, controls);
      return;
    }
    await onSaved(outcome);
    const saved = document.querySelector(`#recent [data-id="${CSS.escape(outcome.record?.id || r.id || "")}"]`);
    announceSaved(record ? "Changes saved." : "Check-in saved.", outcome, saved);
    checkCrisis("entry", entry, outcome);
  });
  return form;
}

async function renderRecent(list, edit) {
  const [entries, outbox] = await Promise.all([listLocal("entry", sortKey), outboxItems()]);
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
        { class: "linkish small", type: "button", "aria-label": `Delete the check-in of ${whenOf(e)}` },
        "Delete",
      );
      del.addEventListener("click", async () => {
        if (!confirm("Delete this check-in?")) return;
        await remove("entry", e.id);
        announce("Check-in deleted.");
      });
      const change = h(
        "button",
        { class: "linkish small", type: "button", "aria-label": `Edit the check-in of ${whenOf(e)}` },
        "Edit",
      );
      change.addEventListener("click", () => edit(e));
      return h(
        "li",
        { class: "checkin", dataset: { id: e.id } },
        h(
          "div",
          { class: "row" },
          h("span", { class: "grow label" }, whenOf(e)),
          h("span", { class: "badge" }, `Mood ${e.mood}/10`),
          badge,
        ),
        entryDetails(e) ? h("p", { class: "small muted note" }, entryDetails(e)) : null,
        h("div", { class: "row" }, change, del),
      );
    }),
  );
}

async function renderNext(box) {
  const now = Date.now();
  const planned = (await listLocal("treatment", (t) => new Date(t.at).getTime())).filter(
    (t) => t.status === "planned" && new Date(t.at).getTime() >= now,
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

async function renderInstall(box) {
  const count = (await listLocal("entry", sortKey)).length;
  const card = await installCard(count);
  if (!card) return fill(box);
  if (!box.firstChild) fill(box, card);
}
