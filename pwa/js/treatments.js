// Treatments: log a session that happened, plan upcoming ones, see them all.
import { DATA_CHANGED } from "./events.js";
import { checkedValues, chips, field, fill, formError, h, radioValue, screen, uid } from "./dom.js";
import { formatDateTime, isoWithOffset, pad } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";
import { announce } from "./status.js";
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

export default async function treatments({ signal }) {
  const lists = h("div");
  screen("Treatments", form(), lists);
  const refresh = () => renderLists(lists);
  window.addEventListener(DATA_CHANGED, refresh, { signal });
  await refresh();
}

function localInputValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function bloodPressure(label, name) {
  const sys = h("input", { type: "number", name: `${name}-sys`, min: 40, max: 300, inputmode: "numeric" });
  const dia = h("input", { type: "number", name: `${name}-dia`, min: 20, max: 200, inputmode: "numeric" });
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

function form() {
  const when = h("input", { type: "datetime-local", name: "at", required: true, value: localInputValue(new Date()) });
  const kind = h(
    "select",
    { name: "kind" },
    Object.entries(TREATMENT_KINDS).map(([value, label]) => h("option", { value }, label)),
  );
  const dose = h("input", { type: "number", name: "dose", min: 0, step: "any", inputmode: "decimal" });
  const clinic = h("input", { type: "text", name: "clinic", maxlength: 200, autocomplete: "organization" });
  const notes = h("textarea", { name: "notes", maxlength: 10000, rows: 3 });
  const statusName = uid("status");
  const status = h(
    "fieldset",
    {},
    h("legend", {}, "This treatment…"),
    h(
      "label",
      { class: "check" },
      h("input", { type: "radio", name: statusName, value: "done", checked: true }),
      "happened",
    ),
    h("label", { class: "check" }, h("input", { type: "radio", name: statusName, value: "planned" }), "is planned"),
  );
  const el = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "treat-form-title" },
    h("h2", { id: "treat-form-title" }, "Log or plan a treatment"),
    status,
    field("Date and time", when),
    field("Kind", kind),
    h(
      "details",
      {},
      h("summary", {}, "Dose, clinic, notes, side effects (optional)"),
      field("Dose in mg, as given by your clinic", dose, "For your own record. Waypoint never gives dosing advice."),
      field("Clinic", clinic),
      h("fieldset", {}, h("legend", {}, "Side effects"), chips("side", SIDE_EFFECTS)),
      bloodPressure("Blood pressure before", "bp-before"),
      bloodPressure("Blood pressure after", "bp-after"),
      field("Notes", notes, "Only you can read this, unless you export it."),
    ),
    h("button", { class: "btn wide", type: "submit" }, "Save treatment"),
  );
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!when.value) return formError(el, "Choose the date and time.");
    const at = new Date(when.value);
    const chosen = radioValue(el, statusName);
    if (chosen === "done" && at.getTime() > Date.now() + DAY_MS) {
      formError(el, "A treatment that happened can't be in the future. Choose “is planned” instead.");
      return when.focus();
    }
    formError(el, "");
    const record = {
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
    const outcome = await save("treatment", record);
    el.reset();
    when.value = localInputValue(new Date());
    announce(
      outcome.sent
        ? "Treatment saved."
        : outcome.offline
          ? "Saved on this phone. It will be sent when you're back online."
          : `Saved on this phone, but not accepted yet: ${outcome.error?.message || "needs your choice"}`,
    );
  });
  return el;
}

async function update(t, status) {
  const outcome = await save("treatment", { ...fieldsOf(t), status }, { id: t.id, baseVersion: t.version });
  announce(
    `${status === "done" ? "Marked as done" : "Cancelled"}${outcome.offline ? " on this phone; it will sync later" : ""}.`,
  );
}

function item(t, states) {
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

async function renderLists(box) {
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
            items.map((t) => item(t, states)),
          )
        : h("p", { class: "muted" }, empty),
    );
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
