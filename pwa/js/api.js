// fetch() for the Waypoint API: JSON in and out, same-origin cookies, errors as ApiError.
import { emit, UNAUTHORIZED } from "./events.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(messageOf(status, body));
    this.status = status;
    this.body = body || {};
  }
  /** The fields a validation error names (their last part: "entries[2].mood" -> "mood"). */
  get fields() {
    return fieldsOf(this.body);
  }
  /** A plain sentence for one field of a validation error, or null when it is not named. */
  fieldMessage(key) {
    const hit = (this.body.extra || []).find?.((e) => e?.key && lastPart(e.key) === key);
    return hit ? sentenceOf(hit) : null;
  }
}

/** The network could not be reached (offline, server down). */
export class OfflineError extends Error {}

// What a person reads instead of the server's words: one sentence per field that says what to do,
// and one per status. The server's own detail is used only when it is plain language already.
const FIELDS = {
  username: "Choose a username of 3 to 40 letters, digits, dots, dashes or underscores, without spaces.",
  password: "The password needs at least 8 characters.",
  current_password: "The current password isn't right.",
  new_password: "The new password needs at least 8 characters.",
  display_name: "Your name can have up to 80 characters.",
  timezone: "Choose your time zone from the list.",
  baseline_date: "Choose a real date for the baseline, or leave it empty.",
  day: "Choose a day no later than today.",
  time: "Choose a time of day.",
  mood: "Choose a number for your mood (0 = worst, 10 = best).",
  anxiety: "Choose anxiety from 0 to 10, or clear it.",
  energy: "Choose energy from 0 to 10, or clear it.",
  sleep_hours: "Hours of sleep are between 0 and 24.",
  tags: "Use up to 20 tags of at most 40 characters each.",
  note: "The note is too long: 10,000 characters at most.",
  at: "Choose the date and time. A treatment that happened can't be in the future: choose “is planned”.",
  kind: "Choose the kind of treatment.",
  status: "Choose whether the treatment happened or is planned.",
  dose_mg: "The dose is a number of mg above 0.",
  clinic: "The clinic's name is too long: 200 characters at most.",
  notes: "The notes are too long: 10,000 characters at most.",
  side_effects: "Choose up to 30 side effects.",
  bp_before: "Blood pressure: systolic 40 to 300, diastolic 20 to 200 mmHg.",
  bp_after: "Blood pressure: systolic 40 to 300, diastolic 20 to 200 mmHg.",
  answers: "Answer every question.",
  name: "Give every person or place a name of up to 120 characters.",
  phone: "A phone number has digits and may start with +, with spaces, dashes or brackets.",
  warning_signs: "Keep to 20 warning signs of up to 300 characters each.",
  coping_strategies: "Keep to 20 things to do, of up to 300 characters each.",
  distractions: "Keep to 20 people and places.",
  people_to_ask: "Keep to 20 people to ask.",
  professionals: "Keep to 20 professionals and services.",
  safer_surroundings: "Keep to 20 steps of up to 300 characters each.",
  reasons_to_keep_going: "Keep to 20 reasons of up to 300 characters each.",
  difficulty: "Choose one answer for the last question, or leave it out.",
  taken_at: "The questionnaire's date can't be in the future.",
  label: "The name is too long: 80 characters at most.",
  message: "The message is too long: 500 characters at most.",
  guides: "Choose at least one guide, or include the planned dates.",
  include_schedule: "Planned dates can only be shared with family.",
  expires_at: "Choose how long the link works: 90 days at most.",
  from: "Choose a period: the start must be on or before the end.",
  to: "Choose a period: the start must be on or before the end.",
  body: "That file can't be read. Choose the file that Waypoint or Daylio exported.",
};
const STATUS = {
  400: "Something in the form wasn't accepted. Check it and try again.",
  401: "Please log in again.",
  403: "That isn't possible from here. Reload the page and try again.",
  404: "This isn't here any more. It may have been deleted, or the link has ended.",
  409: "This was changed somewhere else in the meantime.",
  413: "That is too large to send. Choose a smaller file.",
  415: "That kind of file can't be read here.",
  429: "Too many attempts. Wait a few minutes, then try again.",
};
const SERVER_TROUBLE = "Waypoint's server had a problem. Try again in a moment; nothing saved on this phone is lost.";
// Regex, field names, ids, HTTP and JSON words: a detail with any of these is not for people.
const TECHNICAL =
  /[`^$\\[\]{}<>=]|\/api|\b\w+_\w+\b|[0-9a-f]{8}-[0-9a-f]{4}|\b(?:answered|status|code|error)\s+[1-5]\d\d\b|\b(HTTP|JSON|PUT|GET|POST|PATCH|DELETE|null|str|int|Expected|Validation|UUID|IANA|regex)\b/;

export const isPlain = (text) =>
  typeof text === "string" && text.length > 0 && text.length < 200 && !TECHNICAL.test(text);

const lastPart = (key) =>
  String(key)
    .split(/[.[\]]/)
    .filter(Boolean)
    .at(-1);
function fieldsOf(body) {
  const extra = Array.isArray(body?.extra) ? body.extra : [];
  return [...new Set(extra.map((e) => (e?.key ? lastPart(e.key) : e?.field)).filter(Boolean))];
}
export const sentenceFor = (field) => FIELDS[field] || STATUS[400];
// The server's own message when it is already a plain sentence ("The password is not right.").
const sentenceOf = (e) => (isPlain(e.message) && /^[A-Z]/.test(e.message) ? e.message : sentenceFor(lastPart(e.key)));

function messageOf(status, body) {
  if (status >= 500) return SERVER_TROUBLE;
  const fields = status === 400 ? fieldsOf(body) : [];
  if (fields.length && !body?.extra?.some((e) => e?.line)) {
    return [...new Set(body.extra.filter((e) => e?.key).map(sentenceOf))].join(" ");
  }
  if (isPlain(body?.detail)) return body.detail;
  return STATUS[status] || STATUS[400];
}

/** Call the API. `body` is sent as JSON unless `raw` is given (then sent as is). */
export async function api(path, { method = "GET", body, raw, type, headers = {}, signal } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers }, signal };
  if (raw !== undefined) {
    init.body = raw;
    if (type) init.headers["Content-Type"] = type;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new OfflineError("You're offline.");
  }
  if (response.status === 204) return null;
  const isJson = (response.headers.get("content-type") || "").includes("json");
  const data = isJson ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    if (response.status === 401) emit(UNAUTHORIZED);
    throw new ApiError(response.status, data);
  }
  return data;
}

/** True when the error means "we could not reach the server" rather than "the server said no". */
export const isOffline = (error) =>
  error instanceof OfflineError || (error instanceof ApiError && error.status >= 502 && error.status <= 504);
