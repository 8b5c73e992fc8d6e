// Tiny DOM helpers. Text always goes in as text (never as HTML), so content from the server or
// from the journal can never become markup.

/** h("button", {class: "btn", onclick: f}, "Save") -> an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Replace an element's children; null/false children are skipped (replaceChildren would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
/** An SVG element; attributes are set as given (presentation attributes are CSP-safe). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

let ids = 0;
export const uid = (prefix = "f") => `${prefix}-${++ids}`;

/** Replace the main region with a screen: a heading that takes focus, then the content. */
export function screen(title, ...children) {
  const main = document.getElementById("main");
  const heading = h("h1", { tabindex: "-1" }, title);
  main.replaceChildren(heading, ...children.flat().filter(Boolean));
  document.title = `${title} — Waypoint`;
  return { main, heading };
}

/** A labelled field: the label names the input; the hint (if any) describes it. */
export function field(label, input, hint) {
  if (!input.id) input.id = uid("in");
  const hintEl = hint ? h("span", { class: "hint", id: uid("hint") }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { class: "label", for: input.id }, label), hintEl, input);
}

/** A 0–10 (or any) scale of radio tiles inside a fieldset. */
export function scale({ name, legend, min = 0, max = 10, low, high, value, compact, required }) {
  const ends = uid("ends");
  const tiles = [];
  for (let n = min; n <= max; n++) {
    const id = uid(name);
    tiles.push(
      h("input", { type: "radio", name, id, value: String(n), checked: value === n, required: required && n === min }),
      h("label", { for: id }, String(n)),
    );
  }
  return h(
    "fieldset",
    { class: "scale-field", "aria-describedby": ends },
    h("legend", {}, legend),
    h("div", { class: `scale${compact ? " compact" : ""}` }, tiles),
    h("div", { class: "ends", id: ends }, h("span", {}, `${min} = ${low}`), h("span", {}, `${max} = ${high}`)),
  );
}

/** Checkbox chips for a set of words; `chosen` is a Set of the checked ones. */
export function chips(name, words, chosen = new Set()) {
  return h(
    "div",
    { class: "chips" },
    words.map((word) => {
      const id = uid(name);
      return [h("input", { type: "checkbox", id, name, value: word, checked: chosen.has(word) }), h("label", { for: id }, word)];
    }),
  );
}

export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => el.value);
}

export function radioValue(form, name) {
  const el = form.querySelector(`input[name="${name}"]:checked`);
  return el ? el.value : null;
}

/** Show a field error next to a form (and announce it); returns the element. */
export function formError(form, message) {
  let box = form.querySelector(".form-error");
  if (!box) {
    box = h("p", { class: "error form-error", role: "alert" });
    form.prepend(box);
  }
  box.textContent = message || "";
  box.hidden = !message;
  return box;
}

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
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
export const formatDay = (day) => dayFormat.format(new Date(`${day}T12:00:00`));
/** "HH:MM:SS" (a check-in's local time) in the reader's own clock style. */
export const formatTime = (time) => timeFormat.format(new Date(`2000-01-01T${time}`));
export const formatDateTime = (iso) => dateTimeFormat.format(new Date(iso));
export function daysAgo(day) {
  const diff = Math.round((new Date(`${localDay()}T12:00:00`) - new Date(`${day}T12:00:00`)) / 864e5);
  return diff === 0 ? "today" : diff === 1 ? "yesterday" : diff > 0 ? `${diff} days ago` : `in ${-diff} days`;
}

export const TREATMENT_KINDS = {
  iv_infusion: "IV infusion",
  esketamine_nasal: "Esketamine nasal spray",
  im_injection: "IM injection",
  oral: "Oral",
  other: "Other",
};
