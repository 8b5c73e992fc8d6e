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

export const KINDS = {
  entry: { path: "entries", noun: "check-in", problems: entryProblems },
  treatment: { path: "treatments", noun: "treatment", problems: treatmentProblems },
  assessment: { path: "assessments", noun: "questionnaire", problems: assessmentProblems },
};

/** `/api/<kinds>/<id>` for a record. */
export const recordPath = (kind, id) => `/api/${KINDS[kind].path}/${id}`;

/** What is wrong with a record before it is queued: [[field, sentence], ...], empty when fine. */
export const problemsOf = (kind, record) => KINDS[kind].problems(record);
