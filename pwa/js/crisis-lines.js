// Crisis resources as a list of links: used by the crisis panel and by guides' crisis blocks, so
// both always show the deployment's own lines in the same way. No number is written in the code:
// with no resources (nothing ever cached from GET /api/crisis), a plain generic line is shown.
import { h } from "./dom.js";

const VERBS = { call: "Call", text: "Text", emergency: "Call", chat: "Chat with", web: "Visit" };
export const GENERIC_LINE =
  "If you are in danger now, call your local emergency number or go to the nearest emergency department.";

function hrefOf(resource) {
  if (resource.url) return resource.url;
  if (resource.kind === "call" || resource.kind === "emergency") return `tel:${resource.contact}`;
  if (resource.kind === "text") return `sms:${resource.contact}`;
  return null;
}

/** A <ul> of the resources, or the generic line when there are none. */
export function crisisList(resources) {
  if (!resources || !resources.length) return h("p", { class: "label" }, GENERIC_LINE);
  const items = resources.map((r) => {
    const named = r.kind === "web" || r.kind === "chat";
    const label = `${VERBS[r.kind] || "Contact"} ${named ? r.name : r.contact} — ${r.name}`;
    const href = hrefOf(r);
    const link = href
      ? h(
          "a",
          { class: `btn${r.kind === "emergency" ? " danger" : ""}`, href, rel: "noopener" },
          named ? `${VERBS[r.kind]} ${r.name}` : label,
        )
      : h("p", { class: "label" }, label);
    return h("li", {}, link, r.note ? h("p", { class: "small muted" }, r.note) : null);
  });
  return h("ul", { class: "resources" }, items);
}
