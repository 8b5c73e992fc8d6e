// My safety plan: Stanley & Brown's steps and reasons to keep going, written by the person for
// hard moments. One record per account (PUT /api/safety-plan), saved like a check-in: IndexedDB
// first, then the versioned PUT through the outbox, so it can be written and changed offline.
// The crisis panel shows it first, from the copy on this phone.
import { takeDraft } from "./conflicts.js";
import { get as getRecord, recordKey } from "./db.js";
import { clearErrors, fill, h, screen, showProblems, uid } from "./dom.js";
import { DATA_CHANGED } from "./events.js";
import { PLAN_ID, PLAN_STEPS } from "./kinds.js";
import { announceSaved } from "./status.js";
import { save } from "./sync.js";

const HINTS = {
  warning_signs: "Thoughts, feelings or situations that tell you a hard time may be coming.",
  coping_strategies: "Things that help you get through a moment without anyone else.",
  distractions: "People you can be with, or places you can go, to take your mind off things.",
  people_to_ask: "People you trust to ask for help. Add their number so you can call them in one tap.",
  professionals: "Your clinic, its after-hours number, your therapist. The crisis lines are always shown too.",
  safer_surroundings: "Ways to keep yourself safe, such as keeping medicines somewhere else.",
  reasons_to_keep_going: "The people, things and plans that matter to you.",
};

const planKey = recordKey("safety_plan", PLAN_ID);

export default async function safetyPlan({ params, signal }) {
  const box = h("div");
  const state = h("p", { class: "small", id: "plan-state" });
  screen(
    "My safety plan",
    h(
      "p",
      {},
      "A plan you write now, for a hard moment later. It is shown first when you tap “Get help now”, and it works without a connection. Only you can see it; it is never shared.",
    ),
    state,
    box,
  );
  const draft = params[0] === "edit" ? takeDraft("safety_plan") : null;
  let local = await getRecord("records", planKey).catch(() => null);
  let shown = draft ? { ...draft.draft, version: draft.baseVersion } : local;
  // Typed but not saved (or opened from a conflict's Edit): a sync landing must not redraw it.
  let dirty = Boolean(draft);
  const draw = () => fill(box, planForm(shown, { onSaved, onInput: () => (dirty = true) }));
  const onSaved = (record) => {
    dirty = false;
    shown = record;
  };
  const showState = () => fill(state, local?.pending ? h("span", { class: "badge pending" }, "Waiting to sync") : null);
  draw();
  showState();
  // A sync may bring in a version written on another device: show it unless the person is typing.
  window.addEventListener(
    DATA_CHANGED,
    async () => {
      local = await getRecord("records", planKey).catch(() => null);
      showState();
      if (!dirty && local && local.version != null && local.version !== shown?.version) {
        shown = local;
        draw();
      }
    },
    { signal },
  );
}

function textRow(step, value = "") {
  const input = h("input", { type: "text", maxlength: 300, value, id: uid("plan") });
  return h(
    "li",
    {},
    h("label", { class: "sr", for: input.id }, step.item),
    input,
    h("button", { class: "linkish small remove", type: "button" }, "Remove"),
  );
}

function contactRow(contact = {}) {
  const name = h("input", { type: "text", maxlength: 120, value: contact.name || "", id: uid("plan"), name: "name" });
  const phone = h("input", {
    type: "tel",
    maxlength: 30,
    inputmode: "tel",
    autocomplete: "off",
    value: contact.phone || "",
    id: uid("plan"),
    name: "phone",
  });
  return h(
    "li",
    { class: "contact" },
    h("div", { class: "field" }, h("label", { class: "label", for: name.id }, "Name"), name),
    h("div", { class: "field" }, h("label", { class: "label", for: phone.id }, "Phone (optional)"), phone),
    h("button", { class: "linkish small remove", type: "button" }, "Remove"),
  );
}

/** Number the rows of a step so each input and its Remove button have their own name. */
function renumber(step, list) {
  for (const [i, row] of [...list.children].entries()) {
    const n = i + 1;
    if (step.contacts) {
      for (const label of row.querySelectorAll("label")) {
        const input = row.querySelector(`#${CSS.escape(label.htmlFor)}`);
        input.setAttribute("aria-label", `${label.textContent} (${step.item.toLowerCase()} ${n})`);
      }
    } else {
      row.querySelector("label").textContent = `${step.item} ${n}`;
    }
    row.querySelector(".remove").setAttribute("aria-label", `Remove ${step.item.toLowerCase()} ${n}`);
  }
}

function stepFieldset(step, items) {
  const hintId = uid("hint");
  const list = h("ul", {});
  const row = (item) => (step.contacts ? contactRow(item) : textRow(step, item));
  const add = h("button", { class: "btn small secondary", type: "button" }, `Add ${step.item.toLowerCase()}`);
  add.addEventListener("click", () => {
    list.append(row());
    renumber(step, list);
    list.lastElementChild.querySelector("input").focus();
  });
  list.addEventListener("click", (event) => {
    const remove = event.target.closest(".remove");
    if (!remove) return;
    remove.closest("li").remove();
    renumber(step, list);
    (list.lastElementChild?.querySelector("input") || add).focus();
  });
  // An empty step starts with one empty line to type in (empty lines are not saved).
  for (const item of items.length ? items : [undefined]) list.append(row(item));
  renumber(step, list);
  return h(
    "fieldset",
    { class: "plan-step", dataset: { step: step.key }, "aria-describedby": hintId },
    h("legend", {}, h("h2", {}, step.title)),
    h("p", { class: "hint small muted", id: hintId }, HINTS[step.key]),
    list,
    add,
  );
}

/** What the form holds, as the server's fields: empty lines left out. */
function planOf(form) {
  const plan = {};
  for (const step of PLAN_STEPS) {
    const rows = [...form.querySelectorAll(`[data-step="${step.key}"] li`)];
    plan[step.key] = step.contacts
      ? rows
          .map((row) => ({
            name: row.querySelector('[name="name"]').value.trim(),
            phone: row.querySelector('[name="phone"]').value.trim(),
          }))
          .filter((c) => c.name || c.phone)
      : rows.map((row) => row.querySelector("input").value.trim()).filter(Boolean);
  }
  return plan;
}

function planForm(record, { onSaved, onInput }) {
  const r = record || {};
  const steps = PLAN_STEPS.map((step) => stepFieldset(step, r[step.key] || []));
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": "My safety plan", oninput: onInput },
    steps,
    h("button", { class: "btn wide", type: "submit" }, "Save my plan"),
  );
  // The version this form shows: a save based on it that meets a newer one asks which to keep.
  let baseVersion = r.version ?? 0;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const fields = planOf(form);
    const outcome = await save("safety_plan", fields, { id: PLAN_ID, baseVersion });
    if (outcome.invalid) {
      const controls = Object.fromEntries(steps.map((set) => [set.dataset.step, set]));
      showProblems(form, outcome.invalid, controls);
      return;
    }
    if (outcome.record) baseVersion = outcome.record.version;
    onSaved({ ...fields, version: outcome.record?.version ?? baseVersion });
    announceSaved("Your safety plan is saved.", outcome, form.querySelector("[type=submit]"));
  });
  return form;
}
