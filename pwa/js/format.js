// Dates and records in words: days are the person's own local days, and every record can be
// described in one line (lists, the conflict chooser, the calendar).
import { PLAN_STEPS, TREATMENT_KINDS } from "./kinds.js";

// Dates: the journal lives in the person's own calendar, so days are local days.
export const pad = (n) => String(n).padStart(2, "0");
export function localDay(date = new Date()) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
export function localTime(date = new Date()) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
/** A Date as ISO 8601 with the local UTC offset, e.g. 2026-01-05T10:00:00-05:00. */
export function isoWithOffset(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${localDay(date)}T${localTime(date)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
export function addDays(day, n) {
  const d = new Date(`${day}T12:00:00`);
  d.setDate(d.getDate() + n);
  return localDay(d);
}
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
export const formatDay = (day) => dayFormat.format(new Date(`${day}T12:00:00`));
const dayYearFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
/** "3 Oct 2026": for titles and axes, where the year matters. */
export const formatDayYear = (day) => dayYearFormat.format(new Date(`${day}T12:00:00`));
/** "HH:MM:SS" (a check-in's local time) in the reader's own clock style. */
export const formatTime = (time) => timeFormat.format(new Date(`2000-01-01T${time}`));
export const formatDateTime = (iso) => dateTimeFormat.format(new Date(iso));
export function daysAgo(day) {
  const diff = Math.round((new Date(`${localDay()}T12:00:00`) - new Date(`${day}T12:00:00`)) / 864e5);
  return diff === 0 ? "today" : diff === 1 ? "yesterday" : diff > 0 ? `${diff} days ago` : `in ${-diff} days`;
}

/** A check-in's optional parts in words: "anxiety 3 · sleep 7 h · walk · “note”". */
export function entryDetails(r) {
  const bits = [];
  if (r.anxiety != null) bits.push(`anxiety ${r.anxiety}`);
  if (r.energy != null) bits.push(`energy ${r.energy}`);
  if (r.sleep_hours != null) bits.push(`sleep ${r.sleep_hours} h`);
  if (r.tags?.length) bits.push(r.tags.join(", "));
  if (r.note) bits.push(`“${r.note}”`);
  return bits.join(" · ");
}

/** One record in words, for lists and for choosing between two versions. */
export function describe(kind, r) {
  if (!r) return "—";
  if (r.deleted) return "Deleted on another device";
  if (kind === "entry") {
    const when = `${formatDay(r.day)}${r.time ? `, ${formatTime(r.time)}` : ""}`;
    return [when, `mood ${r.mood}/10`, entryDetails(r)].filter(Boolean).join(" · ");
  }
  if (kind === "treatment") {
    return [
      TREATMENT_KINDS[r.kind] || r.kind,
      r.status,
      r.at ? formatDateTime(r.at) : "",
      r.notes ? `“${r.notes}”` : "",
    ]
      .filter(Boolean)
      .join(" · ");
  }
  if (kind === "safety_plan") {
    const filled = PLAN_STEPS.filter((step) => r[step.key]?.length);
    if (!filled.length) return "Safety plan · empty";
    return `Safety plan · ${filled.map((step) => `${step.title.toLowerCase()}: ${r[step.key].map((i) => (typeof i === "string" ? i : i.name)).join(", ")}`).join(" · ")}`;
  }
  const total = (r.answers || []).reduce((a, b) => a + b, 0);
  return `${r.instrument === "phq9" ? "PHQ-9" : "GAD-7"} · score ${r.total ?? total}${r.taken_at ? ` · ${formatDateTime(r.taken_at)}` : ""}`;
}
