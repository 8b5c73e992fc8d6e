// PHQ-9 and GAD-7, worded exactly as GET /api/instruments gives them, with their attribution.
// The server scores them; offline, the same bands score them here until the server confirms.
import { DATA_CHANGED } from "./events.js";
import { api, isOffline } from "./api.js";
import { checkCrisis } from "./crisis.js";
import { getMeta, setMeta } from "./db.js";
import { clearErrors, fieldError, fill, formError, h, screen, uid } from "./dom.js";
import { formatDateTime, isoWithOffset } from "./format.js";
import { go } from "./nav.js";
import { promptCard } from "./prompts.js";
import { announce } from "./status.js";
import { listLocal, outboxItems, save } from "./sync.js";

/** The instruments, kept on the phone for offline use (also warmed at start-up). */
export async function instruments() {
  try {
    const data = await api("/api/instruments");
    await setMeta("instruments", data);
    return data.instruments;
  } catch (error) {
    const saved = await getMeta("instruments");
    if (saved && isOffline(error)) return saved.instruments;
    throw error;
  }
}

const low = (b) => b.min_total ?? b.min;
const high = (b) => b.max_total ?? b.max;
const maxOf = (spec) => spec.max_total ?? Math.max(...spec.bands.map(high));

/** The band for a total, as the server would give it (for offline results). */
export function bandFor(spec, total) {
  return spec.bands.find((b) => total >= low(b) && total <= high(b));
}

export default async function questionnaires({ params, signal }) {
  const list = await instruments();
  const spec = list.find((i) => i.id === params[0]);
  if (spec) return questionnaire(spec);
  const history = h("ul", { class: "list card" });
  screen(
    "Questionnaires",
    h(
      "p",
      {},
      "Standard questionnaires that you and your clinician can compare over time. Every week or two is enough.",
    ),
    h(
      "ul",
      { class: "list" },
      list.map((i) =>
        h(
          "li",
          {},
          h("a", { class: "label", href: `#/questionnaires/${i.id}` }, i.title || i.name),
          h("span", { class: "small muted" }, `${i.items.length} questions about the last 2 weeks`),
        ),
      ),
    ),
    h("h2", {}, "Your results"),
    history,
  );
  const refresh = () => renderHistory(history, list);
  window.addEventListener(DATA_CHANGED, refresh, { signal });
  await refresh();
}

async function renderHistory(box, list) {
  const [rows, outbox] = await Promise.all([listLocal("assessment", (a) => a.taken_at), outboxItems()]);
  const waiting = new Set(outbox.map((i) => i.key));
  fill(
    box,
    ...(rows.length
      ? rows.map((a) => {
          const spec = list.find((i) => i.id === a.instrument);
          const total = a.total ?? a.answers.reduce((x, y) => x + y, 0);
          const band = a.band_label || (spec && bandFor(spec, total)?.label) || "";
          return h(
            "li",
            { class: "row" },
            h(
              "span",
              { class: "grow" },
              h(
                "span",
                { class: "label" },
                `${spec?.name || a.instrument}: ${total}${spec ? ` of ${maxOf(spec)}` : ""}`,
              ),
              ` ${band}`,
              h("br"),
              h("span", { class: "small muted" }, formatDateTime(a.taken_at)),
            ),
            a.pending || waiting.has(a.key) ? h("span", { class: "badge pending" }, "Waiting to sync") : null,
          );
        })
      : [h("li", { class: "muted" }, "None yet.")]),
  );
}

function questionnaire(spec) {
  const names = spec.items.map(() => uid("q"));
  const difficultyName = uid("difficulty");
  const result = h("section", { "aria-live": "polite", id: "result" });
  const options = (name, opts) =>
    opts.map((o) =>
      h("label", { class: "check" }, h("input", { type: "radio", name, value: String(o.value) }), o.label),
    );
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": spec.name },
    h("p", { class: "label" }, spec.stem),
    spec.items.map((item, k) =>
      h(
        "fieldset",
        { class: "item" },
        h("legend", {}, `${item.number}. ${item.text}`),
        options(names[k], spec.options),
      ),
    ),
    spec.difficulty
      ? h("fieldset", {}, h("legend", {}, spec.difficulty.text), options(difficultyName, spec.difficulty.options))
      : null,
    h("button", { class: "btn wide", type: "submit" }, "See my score"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = names.map((n) => form.querySelector(`input[name="${n}"]:checked`)?.value);
    clearErrors(form);
    // Every skipped question is marked where it is; the first one takes the focus.
    const skipped = names.map((n, k) => [n, k]).filter(([, k]) => answers[k] === undefined);
    if (skipped.length) {
      for (const [i, [n, k]] of skipped.entries()) {
        const set = form.querySelector(`input[name="${n}"]`).closest("fieldset");
        fieldError(set, `Please answer question ${k + 1}.`, { focus: i === 0 });
      }
      formError(
        form,
        skipped.length === 1
          ? "One question is still unanswered."
          : `${skipped.length} questions are still unanswered.`,
      );
      return;
    }
    const difficulty = form.querySelector(`input[name="${difficultyName}"]:checked`)?.value;
    const body = { instrument: spec.id, answers: answers.map(Number), taken_at: isoWithOffset() };
    if (spec.difficulty) body.difficulty = difficulty === undefined ? null : Number(difficulty);
    const outcome = await save("assessment", body);
    form.hidden = true;
    showResult(result, spec, body, outcome);
    checkCrisis("assessment", body, outcome);
  });
  screen(
    spec.name,
    spec.title ? h("p", { class: "muted" }, spec.title) : null,
    form,
    result,
    h("p", { class: "small muted" }, spec.attribution),
    h("p", {}, h("a", { href: "#/questionnaires" }, "Back to questionnaires")),
  );
}

function showResult(box, spec, body, outcome) {
  const total = outcome.record?.total ?? body.answers.reduce((a, b) => a + b, 0);
  const band = bandFor(spec, total);
  const label = outcome.record?.band_label || band?.label || "";
  fill(
    box,
    h(
      "div",
      { class: "card" },
      h("h2", { tabindex: "-1" }, `Your score: ${total} of ${maxOf(spec)}`),
      h("p", { class: "label" }, label),
      band?.meaning ? h("p", {}, band.meaning) : null,
      outcome.record
        ? null
        : h("p", { class: "badge pending" }, "Scored on this phone; it will be sent when you're back online."),
      h(
        "p",
        { class: "small muted" },
        "A questionnaire score is not a diagnosis. Bring it to your clinician, who can put it in context.",
      ),
      h(
        "div",
        { class: "row" },
        h("a", { class: "btn secondary", href: "#/trends" }, "See trends"),
        h("button", { class: "btn secondary", type: "button", onclick: () => go("questionnaires") }, "Done"),
      ),
    ),
    promptCard(outcome.record?.prompts),
  );
  box.querySelector("h2").focus();
  announce(`Score ${total}: ${label}.`);
}
