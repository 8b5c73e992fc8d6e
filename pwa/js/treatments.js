// Treatments: log a session that happened, plan upcoming ones, edit any of them (add blood
// pressure or side effects the next day, reschedule, mark as done) through the same versioned
// PUT as a new one, offline-first.
import { takeDraft } from "./conflicts.js";
import { checkedValues, chips, clearErrors, field, fill, h, radioValue, screen, showProblems, uid } from "./dom.js";
import { DATA_CHANGED } from "./events.js";
import { formatDateTime, isoWithOffset, pad } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { announce, announceSaved } from "./status.js";
import { fieldsOf, listLocal, outboxItems, remove, save } from "./sync.js";

const SIDE_EFFECTS = [
  "Dissociation",
  "Nausea",
  "Dizziness",
  "Headache",
  "Raised blood pressure",
  "Drowsiness",
  "Blurred vision",
  "Anxiety",
  "Vivid dreams",
];
const DAY_MS = 864e5;

export default async function treatments({ params, signal }) {
  const formBox = h("div");
  const lists = h("div");
  screen("Treatments", formBox, lists);
  // After a save: a fresh form, and the lists redrawn before the toast picks its place.
  const saved = async () => {
    showNew();
    await refresh();
  };
  const showNew = () => fill(formBox, treatmentForm({ onSaved: saved }));
  const edit = (record) => {
    fill(formBox, treatmentForm({ record, onSaved: saved, onCancel: showNew }));
    formBox.scrollIntoView({ block: "start" });
    formBox.querySelector("h2")?.focus();
  };
  const draft = params[0] === "edit" ? takeDraft("treatment") : null;
  if (draft) edit({ ...draft.draft, id: draft.id, version: draft.baseVersion });
  else showNew();
  const refresh = () => renderLists(lists, edit);
  window.addEventListener(DATA_CHANGED, refresh, { signal });
  await refresh();
}

// Date and time are two inputs, not one datetime-local: each stays readable at large text.
const dateValue = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const timeValue = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

function bloodPressure(label, name, value) {
  const sys = h("input", {
    type: "number",
    name: `${name}-sys`,
    min: 40,
    max: 300,
    inputmode: "numeric",
    value: value?.systolic ?? "",
  });
  const dia = h("input", {
    type: "number",
    name: `${name}-dia`,
    min: 20,
    max: 200,
    inputmode: "numeric",
    value: value?.diastolic ?? "",
  });
  return h(
    "fieldset",
    {},
    h("legend", {}, label),
    h("div", { class: "two" }, field("Systolic (mmHg)", sys), field("Diastolic (mmHg)", dia)),
  );
}

function readPressure(form, name) {
  const sys = form.elements[`${name}-sys`].value;
  const dia = form.elements[`${name}-dia`].value;
  return sys && dia ? { systolic: Number(sys), diastolic: Number(dia) } : null;
}

const STATUS_WORDS = [
  ["done", "happened"],
  ["planned", "is planned"],
  ["cancelled", "was cancelled"],
];

/** The treatment form: new (record null) or an edit of `record` (its id and version are kept). */
function treatmentForm({ record = null, onSaved, onCancel }) {
  const r = record || { status: "done" };
  const start = r.at ? new Date(r.at) : new Date();
  const when = h("input", { type: "date", name: "at-day", required: true, value: dateValue(start) });
  const time = h("input", { type: "time", name: "at-time", required: true, value: timeValue(start) });
  const kind = h(
    "select",
    { name: "kind" },
    Object.entries(TREATMENT_KINDS).map(([value, label]) => h("option", { value, selected: value === r.kind }, label)),
  );
  const dose = h("input", {
    type: "number",
    name: "dose",
    min: 0,
    step: "any",
    inputmode: "decimal",
    value: r.dose_mg ?? "",
  });
  const clinic = h("input", {
    type: "text",
    name: "clinic",
    maxlength: 200,
    autocomplete: "organization",
    value: r.clinic || "",
  });
  const notes = h("textarea", { name: "notes", maxlength: 10000, rows: 3 }, r.notes || "");
  const statusName = uid("status");
  // "Cancelled" only for an existing one: a new treatment either happened or is planned.
  const choices = STATUS_WORDS.filter(([value]) => record || value !== "cancelled");
  const status = h(
    "fieldset",
    {},
    h("legend", {}, "This treatment…"),
    choices.map(([value, words]) =>
      h(
        "label",
        { class: "check" },
        h("input", { type: "radio", name: statusName, value, checked: r.status === value }),
        words,
      ),
    ),
  );
  const title = record
    ? `Edit: ${TREATMENT_KINDS[r.kind] || "treatment"}, ${formatDateTime(r.at)}`
    : "Log or plan a treatment";
  const hasExtras = Boolean(
    record && (r.dose_mg || r.clinic || r.notes || r.side_effects?.length || r.bp_before || r.bp_after),
  );
  const el = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "treat-form-title" },
    h("h2", { id: "treat-form-title", tabindex: "-1" }, title),
    status,
    h("div", { class: "two" }, field("Date", when), field("Time", time)),
    field("Kind", kind),
    h(
      "details",
      { open: hasExtras || Boolean(record) },
      h("summary", {}, "Dose, clinic, notes, side effects, blood pressure (optional)"),
      field("Dose in mg, as given by your clinic", dose, "For your own record. Waypoint never gives dosing advice."),
      field("Clinic", clinic),
      h(
        "fieldset",
        {},
        h("legend", {}, "Side effects"),
        chips("side", [...new Set([...SIDE_EFFECTS, ...(r.side_effects || [])])], new Set(r.side_effects || [])),
      ),
      bloodPressure("Blood pressure before", "bp-before", r.bp_before),
      bloodPressure("Blood pressure after", "bp-after", r.bp_after),
      field("Notes", notes, "Only you can read this, unless you export it."),
    ),
    h(
      "div",
      { class: "row" },
      h("button", { class: "btn wide", type: "submit" }, record ? "Save changes" : "Save treatment"),
      onCancel ? h("button", { class: "btn secondary wide", type: "button", onclick: onCancel }, "Cancel") : null,
    ),
  );
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(el);
    const chosen = radioValue(el, statusName);
    const at = when.value && time.value ? new Date(`${when.value}T${time.value}`) : null;
    const problems = [];
    if (!at) problems.push(["at", when.value ? "Choose the time." : "Choose the date."]);
    else if (chosen === "done" && at.getTime() > Date.now() + DAY_MS)
      problems.push(["at", "A treatment that happened can't be in the future. Choose “is planned” instead."]);
    if (problems.length) return showProblems(el, problems, { at: when.value ? time : when });
    const body = {
      at: isoWithOffset(at),
      kind: kind.value,
      status: chosen,
      dose_mg: dose.value && Number(dose.value) > 0 ? Number(dose.value) : null,
      clinic: clinic.value.trim() || null,
      notes: notes.value.trim() || null,
      side_effects: checkedValues(el, "side"),
      bp_before: readPressure(el, "bp-before"),
      bp_after: readPressure(el, "bp-after"),
    };
    const outcome = await save("treatment", body, record ? { id: r.id, baseVersion: r.version } : {});
    if (outcome.invalid) {
      const pressure = (name) => el.querySelector(`[name="${name}-sys"]`).closest("fieldset");
      return showProblems(el, outcome.invalid, {
        at: when,
        kind,
        status,
        bp_before: pressure("bp-before"),
        bp_after: pressure("bp-after"),
      });
    }
    await onSaved();
    const saved = document.querySelector(
      `#treatment-lists [data-id="${CSS.escape(outcome.record?.id || r.id || "")}"]`,
    );
    announceSaved(record ? "Changes saved." : "Treatment saved.", outcome, saved);
  });
  return el;
}

async function update(t, status) {
  const outcome = await save("treatment", { ...fieldsOf(t), status }, { id: t.id, baseVersion: t.version });
  announceSaved(status === "done" ? "Marked as done." : "Cancelled.", outcome, null);
}

function item(t, states, edit) {
  const state = states.get(t.key);
  const label = `${TREATMENT_KINDS[t.kind] || t.kind}, ${formatDateTime(t.at)}`;
  const actions = [];
  if (t.status === "planned") {
    if (new Date(t.at).getTime() <= Date.now() + DAY_MS)
      actions.push(
        h(
          "button",
          {
            class: "btn small secondary",
            type: "button",
            "aria-label": `Mark ${label} as done`,
            onclick: () => update(t, "done"),
          },
          "Mark done",
        ),
      );
    actions.push(
      h(
        "button",
        {
          class: "btn small secondary",
          type: "button",
          "aria-label": `Cancel ${label}`,
          onclick: () => update(t, "cancelled"),
        },
        "Cancel it",
      ),
    );
  }
  actions.push(
    h(
      "button",
      { class: "btn small secondary", type: "button", "aria-label": `Edit ${label}`, onclick: () => edit(t) },
      "Edit",
    ),
    h(
      "button",
      {
        class: "linkish small",
        type: "button",
        "aria-label": `Delete ${label}`,
        onclick: async () => {
          if (!confirm("Delete this treatment from your journal?")) return;
          await remove("treatment", t.id);
          announce("Treatment deleted.");
        },
      },
      "Delete",
    ),
  );
  const extra = [
    t.dose_mg ? `${t.dose_mg} mg` : null,
    t.clinic,
    (t.side_effects || []).join(", ") || null,
    t.bp_before ? `BP before ${t.bp_before.systolic}/${t.bp_before.diastolic}` : null,
    t.bp_after ? `after ${t.bp_after.systolic}/${t.bp_after.diastolic}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return h(
    "li",
    { dataset: { id: t.id } },
    h(
      "div",
      { class: "row" },
      h("span", { class: "grow label" }, label),
      h("span", { class: `badge${t.status === "done" ? " ok" : ""}` }, t.status),
      state === "conflict" || state === "error"
        ? h("span", { class: "badge alert" }, "Needs your choice")
        : t.pending || state
          ? h("span", { class: "badge pending" }, "Waiting to sync")
          : null,
    ),
    extra ? h("p", { class: "small muted" }, extra) : null,
    t.notes ? h("p", { class: "small note" }, t.notes) : null,
    h("div", { class: "row" }, actions),
  );
}

async function renderLists(box, edit) {
  const [all, outbox] = await Promise.all([listLocal("treatment", (t) => new Date(t.at).getTime()), outboxItems()]);
  const states = new Map(outbox.map((i) => [i.key, i.state]));
  const now = Date.now();
  const upcoming = all.filter((t) => t.status === "planned" && new Date(t.at).getTime() >= now).reverse();
  const past = all.filter((t) => !upcoming.includes(t));
  const section = (id, title, items, empty) =>
    h(
      "section",
      { "aria-labelledby": id },
      h("h2", { id }, title),
      items.length
        ? h(
            "ul",
            { class: "list card" },
            items.map((t) => item(t, states, edit)),
          )
        : h("p", { class: "muted" }, empty),
    );
  box.id = "treatment-lists";
  fill(
    box,
    section(
      "upcoming-title",
      "Coming up",
      upcoming,
      "Nothing planned. Plan your next session above, and share the dates with family under More → Share.",
    ),
    section("past-title", "Past treatments", past, "No treatments logged yet."),
  );
}
