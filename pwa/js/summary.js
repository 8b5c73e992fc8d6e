// The trends summary in plain words: baseline, change, response status, last treatment.
import { addDays, formatDay, localDay } from "./format.js";

const one = (x) => (Math.round(x * 10) / 10).toLocaleString(undefined, { maximumFractionDigits: 1 });

const points = (n) => `${n} point${n === 1 ? "" : "s"}`;

/**
 * The one sentence a patient reads first, from GET /api/trends' summary:
 * "This week: 6/10, about 2 points above your mood before treatment."
 * Rules: the latest 7-day average, rounded to a whole number; against the baseline when there is
 * one — a difference under half a point is "about the same", anything else is named, below as
 * plainly as above; "This week" only when that average ends today or yesterday, otherwise the
 * week is dated. Without a 7-day average (too few check-ins), it says so instead of guessing.
 */
export function headline(sm, today = localDay()) {
  if (!sm || sm.latest_mood_7d == null) {
    return "Not enough check-ins yet to say how your week is going. One check-in a day is enough.";
  }
  const end = sm.latest_mood_7d_date;
  const recent = !end || end >= addDays(today, -1);
  const when = recent ? "This week" : `The week to ${formatDay(end)}`;
  const now = `${when}: ${Math.round(sm.latest_mood_7d)}/10`;
  // The server gives a change only once the latest week comes after the baseline period.
  const change = sm.mood_change;
  if (sm.baseline_mood == null || change == null) {
    return `${now}. Not enough data yet to compare it with your mood before treatment.`;
  }
  const before = sm.baseline_source === "user" ? "your mood before your baseline date" : "your mood before treatment";
  if (Math.abs(change) < 0.5) return `${now}, about the same as ${before}.`;
  const size = Math.max(1, Math.round(Math.abs(change)));
  return `${now}, about ${points(size)} ${change > 0 ? "above" : "below"} ${before}.`;
}

/**
 * The check-in rate counted from the first check-in in `days` (GET /api/trends' daily series),
 * so days before someone started using Waypoint do not count against them.
 * {logged, total, since} or null without any check-in.
 */
export function checkinRate(days) {
  const first = days.findIndex((d) => d.checkins > 0);
  if (first < 0) return null;
  const counted = days.slice(first);
  return { logged: counted.filter((d) => d.checkins > 0).length, total: counted.length, since: days[first].day };
}

/** Sentences for a Summary from GET /api/trends (or a clinician link). `you` is false for a third person. */
export function summarySentences(sm, { you = true, rate = null } = {}) {
  if (!sm) return [];
  const your = you ? "your" : "the";
  const out = [];
  if (sm.baseline_mood != null) {
    const source = sm.baseline_source === "user" ? "the date chosen as baseline" : "the first treatment";
    out.push(
      `Baseline mood: ${one(sm.baseline_mood)} out of 10, the average of the ${sm.baseline_mood_days ?? 14} days before ${source}${sm.baseline_date ? ` (${formatDay(sm.baseline_date)})` : ""}.`,
    );
  } else {
    out.push(
      `No baseline mood yet: it is the average mood over the 14 days before ${your} first treatment${you ? " (or a date you choose under Account)" : ""}.`,
    );
  }
  if (sm.latest_mood_7d != null) {
    let text = `Latest 7-day average mood: ${one(sm.latest_mood_7d)}${sm.latest_mood_7d_date ? ` (${formatDay(sm.latest_mood_7d_date)})` : ""}`;
    if (sm.mood_change != null) {
      const dir = sm.mood_change > 0 ? "up" : sm.mood_change < 0 ? "down" : "no change";
      text +=
        dir === "no change"
          ? ", no change from baseline"
          : `, ${dir} ${one(Math.abs(sm.mood_change))} points from baseline`;
    }
    out.push(`${text}.`);
  }
  if (sm.mood_status && sm.mood_status_text) out.push(sm.mood_status_text);
  // PHQ-9 in the server's own words (the same as the PDF and the clinician link): the change in
  // points ("+14 points", never a percentage for a rise) and the status sentence with its rule,
  // so a status such as "worse" or "minimal" is never a bare word.
  if (sm.latest_phq9 != null) {
    const change = sm.phq9_change_text ? ` (${sm.phq9_change_text})` : "";
    out.push(
      sm.baseline_phq9 != null && sm.phq9_status
        ? `PHQ-9 went from ${sm.baseline_phq9} at baseline to ${sm.latest_phq9}${change}.`
        : `Latest PHQ-9 score: ${sm.latest_phq9}.`,
    );
    if (sm.phq9_status_text) out.push(sm.phq9_status_text);
  }
  if (sm.days_since_last_treatment != null) {
    const n = sm.days_since_last_treatment;
    out.push(
      `Last treatment: ${n === 0 ? "today" : n === 1 ? "yesterday" : `${n} days ago`}${sm.last_treatment_date ? ` (${formatDay(sm.last_treatment_date)})` : ""}.`,
    );
  } else {
    out.push("No treatment logged as done yet.");
  }
  const lift = (sm.lifts || []).filter((l) => l.days_above != null).at(-1);
  if (lift) {
    const how = lift.still_above ? "and still is" : lift.reached_next_treatment ? "until the next treatment" : "";
    out.push(
      `After the treatment of ${formatDay(lift.day)}, mood stayed above baseline for ${lift.days_above} day${lift.days_above === 1 ? "" : "s"}${how ? ` ${how}` : ""}.`,
    );
  }
  const progress = you ? sm.progress_text : sm.progress_text_clinician || sm.progress_text;
  if (progress) out.push(progress);
  else if (sm.plateau)
    out.push("Improvement seems to have levelled off (a plateau). This can be worth raising with the clinic.");
  if (rate) {
    const share = Math.round((rate.logged / rate.total) * 100);
    out.push(
      `Check-ins on ${rate.logged} of ${rate.total} days since your first one in this period (${formatDay(rate.since)}): ${share} %.`,
    );
  } else if (sm.days_in_period) {
    out.push(
      `Check-ins on ${sm.days_logged} of ${sm.days_in_period} days (${Math.round((sm.adherence ?? sm.days_logged / sm.days_in_period) * 100)} %).`,
    );
  }
  if (!you && sm.crisis_flags)
    out.push(`${sm.crisis_flags} answer(s) in this period were flagged for safety (lowest mood or PHQ-9 item 9).`);
  return out;
}
