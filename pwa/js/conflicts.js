// Writes that need a decision: a 409 (changed elsewhere) keeps both versions until the person
// picks one; a write the server refused is shown with the reason instead of vanishing.
import { fill, h } from "./dom.js";
import { describe } from "./format.js";
import { KINDS } from "./kinds.js";
import { discard, outboxItems, resolve } from "./sync.js";
import { session } from "./session.js";

let open = false;
let shown = "";

function card(item) {
  const noun = KINDS[item.kind].noun;
  const mine = item.op === "delete" ? "You deleted it" : describe(item.kind, item.body);
  if (item.state === "error") {
    return h(
      "div",
      { class: "conflict" },
      h("p", {}, `The server did not accept this ${noun}: ${item.error}`),
      h("p", { class: "small" }, mine),
      h("button", { class: "btn small secondary", type: "button", onclick: () => discard(item.key) }, "Discard it"),
    );
  }
  return h(
    "div",
    { class: "conflict" },
    h("p", {}, `This ${noun} was changed on another device. Which version should stay?`),
    h(
      "div",
      { class: "versions" },
      h(
        "div",
        {},
        h("p", { class: "label" }, "Yours (this phone)"),
        h("p", { class: "small" }, mine),
        h("button", { class: "btn small", type: "button", onclick: () => resolve(item.key, "mine") }, "Keep mine"),
      ),
      h(
        "div",
        {},
        h("p", { class: "label" }, "The other version"),
        h("p", { class: "small" }, describe(item.kind, item.server)),
        h(
          "button",
          { class: "btn small secondary", type: "button", onclick: () => resolve(item.key, "server") },
          "Keep the other",
        ),
      ),
    ),
  );
}

export async function renderSyncIssues() {
  const box = document.getElementById("sync-issues");
  if (!box) return;
  const items = session.account
    ? (await outboxItems()).filter((i) => i.state === "conflict" || i.state === "error")
    : [];
  const signature = items.map((i) => `${i.key}:${i.state}:${i.queued_at}`).join("|");
  if (signature === shown) return; // unchanged: keep focus where it is
  shown = signature;
  box.hidden = items.length === 0;
  if (!items.length) return fill(box);
  const details = h(
    "details",
    { open },
    h("summary", {}, `${items.length} change${items.length > 1 ? "s need" : " needs"} your choice`),
    items.map(card),
  );
  details.addEventListener("toggle", () => (open = details.open));
  fill(box, details);
}
