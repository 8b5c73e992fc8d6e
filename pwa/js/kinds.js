// The record kinds the phone keeps and syncs, listed once: their API paths, their names in
// words, and the checks that keep the phone from queueing a record the server would refuse
// (the server checks again; these mirror its rules for the fields a form can get wrong).

export const TREATMENT_KINDS = {
  iv_infusion: "IV infusion",
  esketamine_nasal: "Esketamine nasal spray",
  im_injection: "IM injection",
  oral: "Oral",
  other: "Other",
};
export const TREATMENT_STATUSES = { planned: "planned", done: "done", cancelled: "cancelled" };

const between = (v, lo, hi) => typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi;
const optional = (v, lo, hi) => v == null || between(v, lo, hi);

function entryProblems(r) {
  const out = [];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.day || "")) out.push(["day", "Choose the day of this check-in."]);
  if (!Number.isInteger(r.mood) || !between(r.mood, 0, 10))
    out.push(["mood", "Choose a number for your mood (0 = worst, 10 = best)."]);
  if (!optional(r.anxiety, 0, 10)) out.push(["anxiety", "Anxiety is a number from 0 to 10."]);
  if (!optional(r.energy, 0, 10)) out.push(["energy", "Energy is a number from 0 to 10."]);
  if (!optional(r.sleep_hours, 0, 24)) out.push(["sleep_hours", "Hours of sleep are between 0 and 24."]);
  return out;
}

function pressureOk(bp) {
  return bp == null || (between(bp.systolic, 40, 300) && between(bp.diastolic, 20, 200));
}

function treatmentProblems(r) {
  const out = [];
  if (!r.at || Number.isNaN(new Date(r.at).getTime())) out.push(["at", "Choose the date and time."]);
  if (!TREATMENT_KINDS[r.kind]) out.push(["kind", "Choose the kind of treatment."]);
  if (!TREATMENT_STATUSES[r.status]) out.push(["status", "Choose whether it happened or is planned."]);
  if (!pressureOk(r.bp_before)) out.push(["bp_before", "Blood pressure: systolic 40–300, diastolic 20–200 mmHg."]);
  if (!pressureOk(r.bp_after)) out.push(["bp_after", "Blood pressure: systolic 40–300, diastolic 20–200 mmHg."]);
  return out;
}

function assessmentProblems(r) {
  return Array.isArray(r.answers) && r.answers.every((a) => Number.isInteger(a))
    ? []
    : [["answers", "Answer every question."]];
}

// The safety plan (Stanley & Brown's steps and reasons to keep going), in its order. `contacts`
// steps hold {name, phone}; the others plain sentences. One per account, at a fixed id.
export const PLAN_ID = "5afe7b1a-0000-4000-8000-000000000001";
export const PLAN_STEPS = [
  { key: "warning_signs", title: "Warning signs that a crisis may be starting", item: "Warning sign" },
  { key: "coping_strategies", title: "Things I can do on my own", item: "Thing to do" },
  {
    key: "distractions",
    title: "People and places that take my mind off things",
    item: "Person or place",
    contacts: true,
  },
  { key: "people_to_ask", title: "People I can ask for help", item: "Person", contacts: true },
  {
    key: "professionals",
    title: "Professionals and services I can call",
    item: "Professional or service",
    contacts: true,
  },
  { key: "safer_surroundings", title: "Making my surroundings safer", item: "Step" },
  { key: "reasons_to_keep_going", title: "My reasons to keep going", item: "Reason" },
];
const PHONE = /^\s*$|^\s*\+?[0-9][0-9 ().-]{2,28}\s*$/;
const PLAN_MAX_ITEMS = 20;

function planProblems(r) {
  const out = [];
  for (const step of PLAN_STEPS) {
    const items = r[step.key] || [];
    if (items.length > PLAN_MAX_ITEMS) out.push([step.key, `Keep to ${PLAN_MAX_ITEMS} items in this step.`]);
    if (step.contacts) {
      if (items.some((c) => !c.name?.trim()))
        out.push([step.key, "Give every phone number a name (who or what it is)."]);
      else if (items.some((c) => c.name.length > 120)) out.push([step.key, "A name can have up to 120 characters."]);
      if (items.some((c) => c.phone && (c.phone.length > 30 || !PHONE.test(c.phone))))
        out.push([step.key, "A phone number has digits and may start with +, with spaces, dashes or brackets."]);
    } else if (items.some((t) => t.length > 300)) {
      out.push([step.key, "Keep each item to 300 characters."]);
    }
  }
  return out;
}

export const KINDS = {
  entry: { path: "entries", noun: "check-in", problems: entryProblems },
  treatment: { path: "treatments", noun: "treatment", problems: treatmentProblems },
  assessment: { path: "assessments", noun: "questionnaire", problems: assessmentProblems },
  // A singleton: its path has no id (the server keeps it at PLAN_ID).
  safety_plan: { path: "safety-plan", noun: "safety plan", problems: planProblems, singleton: true },
};

/** `/api/<kinds>/<id>` for a record; `/api/<kind>` for a kind with one record per account. */
export const recordPath = (kind, id) =>
  KINDS[kind].singleton ? `/api/${KINDS[kind].path}` : `/api/${KINDS[kind].path}/${id}`;

/** What is wrong with a record before it is queued: [[field, sentence], ...], empty when fine. */
export const problemsOf = (kind, record) => KINDS[kind].problems(record);
