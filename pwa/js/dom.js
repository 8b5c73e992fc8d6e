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
      return [
        h("input", { type: "checkbox", id, name, value: word, checked: chosen.has(word) }),
        h("label", { for: id }, word),
      ];
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
