// Writes that need a decision: a 409 (changed elsewhere) keeps both versions until the person
// picks one; a write the server refused is shown with the reason instead of vanishing.
import { fill, formatDateTime, formatDay, formatTime, h, TREATMENT_KINDS } from "./dom.js";
import { discard, outboxItems, resolve } from "./sync.js";
import { session } from "./session.js";

const NOUN = { entry: "check-in", treatment: "treatment", assessment: "questionnaire" };
let open = false;
let shown = "";

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
    return [TREATMENT_KINDS[r.kind] || r.kind, r.status, r.at ? formatDateTime(r.at) : "", r.notes ? `“${r.notes}”` : ""].filter(Boolean).join(" · ");
  }
  const total = (r.answers || []).reduce((a, b) => a + b, 0);
  return `${r.instrument === "phq9" ? "PHQ-9" : "GAD-7"} · score ${r.total ?? total}${r.taken_at ? ` · ${formatDateTime(r.taken_at)}` : ""}`;
}

function card(item) {
  const noun = NOUN[item.kind];
  const mine = item.op === "delete" ? "You deleted it" : describe(item.kind, item.body);
  if (item.state === "error") {
    return h("div", { class: "conflict" },
      h("p", {}, `The server did not accept this ${noun}: ${item.error}`),
      h("p", { class: "small" }, mine),
      h("button", { class: "btn small secondary", type: "button", onclick: () => discard(item.key) }, "Discard it"),
    );
  }
  return h("div", { class: "conflict" },
    h("p", {}, `This ${noun} was changed on another device. Which version should stay?`),
    h("div", { class: "versions" },
      h("div", {}, h("p", { class: "label" }, "Yours (this phone)"), h("p", { class: "small" }, mine),
        h("button", { class: "btn small", type: "button", onclick: () => resolve(item.key, "mine") }, "Keep mine")),
      h("div", {}, h("p", { class: "label" }, "The other version"), h("p", { class: "small" }, describe(item.kind, item.server)),
        h("button", { class: "btn small secondary", type: "button", onclick: () => resolve(item.key, "server") }, "Keep the other")),
    ),
  );
}

export async function renderSyncIssues() {
  const box = document.getElementById("sync-issues");
  if (!box) return;
  const items = session.account ? (await outboxItems()).filter((i) => i.state === "conflict" || i.state === "error") : [];
  const signature = items.map((i) => `${i.key}:${i.state}:${i.queued_at}`).join("|");
  if (signature === shown) return; // unchanged: keep focus where it is
  shown = signature;
  box.hidden = items.length === 0;
  if (!items.length) return fill(box);
  const details = h("details", { open },
    h("summary", {}, `${items.length} change${items.length > 1 ? "s need" : " needs"} your choice`),
    items.map(card),
  );
  details.addEventListener("toggle", () => (open = details.open));
  fill(box, details);
}
