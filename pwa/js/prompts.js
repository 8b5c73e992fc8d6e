// Care-team prompts: a calm card (not the crisis panel) with the server's own sentences, each of
// which says what was seen, the rule that made it appear and whom to tell. Shown after a
// questionnaire or a check-in is saved, and on Trends from the summary.
import { h, uid } from "./dom.js";

/** The card for `prompts` ([{code, message}]), or null when there are none. */
export function promptCard(prompts) {
  if (!prompts?.length) return null;
  const id = uid("prompt");
  return h(
    "section",
    { class: "card prompt", "aria-labelledby": id, dataset: { codes: prompts.map((p) => p.code).join(" ") } },
    h("h2", { id }, "Worth telling your care team"),
    prompts.map((p) => h("p", {}, p.message)),
  );
}
