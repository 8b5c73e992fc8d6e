// Writes that need a decision: a 409 (changed elsewhere) keeps both versions until the person
// picks one; a write the server refused is shown with the reason instead of vanishing.
import { isPlain } from "./api.js";
import { fill, h } from "./dom.js";
import { describe } from "./format.js";
import { KINDS } from "./kinds.js";
import { go } from "./nav.js";
import { discard, editConflict, outboxItems, resolve } from "./sync.js";
import { session } from "./session.js";

let open = false;
let shown = "";

const EDITOR = { entry: "today", treatment: "treatments", safety_plan: "safety-plan" }; // the screens that can edit a kind

/** Open a record's editor with a draft (the person's own version). */
export function openEditor(kind, edit) {
  sessionStorage.setItem(`draft:${kind}`, JSON.stringify(edit));
  go(`${EDITOR[kind]}/edit`);
}

/** The draft left by openEditor for this kind, once. */
export function takeDraft(kind) {
  const raw = sessionStorage.getItem(`draft:${kind}`);
  sessionStorage.removeItem(`draft:${kind}`);
  return raw ? JSON.parse(raw) : null;
}

function editButton(item, onEdit) {
  if (!EDITOR[item.kind] || item.op !== "put") return null;
  return h("button", { class: "btn small secondary", type: "button", onclick: onEdit }, "Edit");
}

function card(item) {
  const noun = KINDS[item.kind].noun;
  const mine = item.op === "delete" ? "You deleted it" : describe(item.kind, item.body);
  if (item.state === "error") {
    const edit = () => openEditor(item.kind, { id: item.id, draft: item.body, baseVersion: item.base_version });
    return h(
      "div",
      { class: "conflict" },
      // A reason stored by an older version of the app may be technical: then say it plainly.
      h(
        "p",
        {},
        `This ${noun} couldn't be saved. ${isPlain(item.error) ? item.error : "The server didn't accept it as it is."}`,
      ),
      h("p", { class: "small" }, mine),
      h(
        "div",
        { class: "row" },
        editButton(item, edit),
        h("button", { class: "btn small secondary", type: "button", onclick: () => discard(item.key) }, "Discard it"),
      ),
    );
  }
  const edit = async () => {
    const choice = await editConflict(item.key);
    if (choice) openEditor(choice.kind, choice);
  };
  return h(
    "div",
    { class: "conflict" },
    h("p", {}, `This ${noun} was also changed on another device. Which version should stay?`),
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
        h("p", { class: "label" }, "Theirs (the other device)"),
        h("p", { class: "small" }, describe(item.kind, item.server)),
        h(
          "button",
          { class: "btn small secondary", type: "button", onclick: () => resolve(item.key, "server") },
          "Keep theirs",
        ),
      ),
    ),
    editButton(item, edit)
      ? h(
          "div",
          { class: "edit-choice" },
          h("p", { class: "label" }, "Or change it"),
          h("p", { class: "small" }, "Start from yours; the other version stays until you save."),
          editButton(item, edit),
        )
      : null,
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
