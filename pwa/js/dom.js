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
    // The default too, so form.reset() comes back to it (a reset form must still be valid).
    else if (key === "checked") el.checked = el.defaultChecked = Boolean(value);
    else if (key === "selected") el.selected = el.defaultSelected = Boolean(value);
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

/** The box a field's error goes in: its .field wrapper or its fieldset. */
const holderOf = (control) => control.closest(".field, fieldset, .row") || control.parentElement;

/** Forget every field error in a form (and the form-level one). */
export function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) p.remove();
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.startsWith("err-"));
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  formError(form, "");
}

/**
 * Show `message` next to a field (an input, or a fieldset of radios), mark it invalid, and —
 * for the first error — focus it, so a person sees and hears what to fix and where.
 */
export function fieldError(control, message, { focus = true } = {}) {
  const holder = holderOf(control);
  const id = uid("err");
  holder.classList.add("invalid");
  const text = h("p", { class: "error field-error", id }, message);
  const anchor = holder.querySelector(":scope > legend") || holder.querySelector(":scope > .label, :scope > label");
  if (anchor) anchor.after(text);
  else holder.prepend(text);
  const inputs = control.matches("input, select, textarea")
    ? [control]
    : [...control.querySelectorAll("input, select, textarea")];
  for (const input of inputs) {
    input.setAttribute("aria-invalid", "true");
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", [id, ...ids].join(" "));
  }
  if (focus) {
    inputs[0]?.focus();
    holder.scrollIntoView({ block: "center" });
  }
  return text;
}

/** Several [field, sentence] problems at once; `controls` maps a field name to its control. */
export function showProblems(form, problems, controls) {
  clearErrors(form);
  let first = true;
  const loose = [];
  for (const [name, message] of problems) {
    const control = controls[name];
    if (!control) {
      loose.push(message);
      continue;
    }
    fieldError(control, message, { focus: first });
    first = false;
  }
  if (loose.length) formError(form, [...new Set(loose)].join(" "));
  return problems.length > 0;
}
