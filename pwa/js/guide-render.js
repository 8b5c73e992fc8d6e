// Render a guide's blocks. All text goes in with textContent: guides are plain text by contract.
import { crisisList } from "./crisis-lines.js";
import { h } from "./dom.js";
import { formatDay } from "./format.js";

const BLOCKS = {
  heading: (b) => h(b.level <= 2 ? "h2" : "h3", {}, b.text),
  paragraph: (b) => h("p", {}, b.text),
  list: (b) =>
    h(
      "ul",
      {},
      b.items.map((t) => h("li", {}, t)),
    ),
  steps: (b) =>
    h(
      "ol",
      {},
      b.items.map((t) => h("li", {}, t)),
    ),
  say: (b) =>
    h(
      "div",
      { class: "say" },
      h("p", { class: "label" }, "What you could say"),
      b.paragraphs.map((t) => h("p", {}, t)),
    ),
  qa: (b) =>
    h(
      "dl",
      { class: "qa" },
      h("dt", {}, b.question),
      b.answer.map((t) => h("dd", {}, t)),
    ),
  // The lines come from the deployment (filled in by the server), never from the guide file.
  crisis: (b) =>
    h(
      "aside",
      { class: "callout caution crisis-lines" },
      h("p", { class: "label" }, "Crisis lines"),
      b.paragraphs.map((t) => h("p", {}, t)),
      crisisList(b.resources),
    ),
  callout: (b) =>
    h(
      "aside",
      { class: `callout ${b.tone}` },
      h("p", { class: "label" }, b.tone === "caution" ? "Take care" : "Tip"),
      b.paragraphs.map((t) => h("p", {}, t)),
    ),
};

/** An <article> for a guide. `headingLevel` 1 when it is the page, 2 when listed under another heading. */
export function renderGuide(guide, { headingLevel = 1 } = {}) {
  const blocks = guide.blocks.map((b) => {
    const el = (BLOCKS[b.type] || ((x) => h("p", {}, x.text || "")))(b);
    // Inside a page that already has an h2 per guide, push the guide's own headings one down.
    if (headingLevel === 2 && /^H[23]$/.test(el.tagName))
      return h(el.tagName === "H2" ? "h3" : "h4", {}, el.textContent);
    return el;
  });
  const title = headingLevel === 1 ? null : h("h2", {}, guide.title);
  return h(
    "article",
    { class: "guide" },
    title,
    h("p", { class: "small muted" }, `Reviewed ${formatDay(guide.reviewed)} · ${guide.reading_minutes} min read`),
    blocks,
    guide.sources && guide.sources.length
      ? h(
          "section",
          { class: "sources", "aria-label": "Sources" },
          h(headingLevel === 1 ? "h2" : "h3", {}, "Sources"),
          h(
            "ul",
            { class: "small" },
            guide.sources.map((s) => h("li", {}, s)),
          ),
        )
      : null,
    h("p", { class: "disclaimer" }, guide.disclaimer || "General information, not medical advice."),
  );
}

/** A search snippet ("escaped text with <mark>") as nodes, without ever running it as HTML. */
export function snippetNodes(snippet) {
  const doc = new DOMParser().parseFromString(`<p>${snippet}</p>`, "text/html");
  return [...doc.body.firstChild.childNodes].map((node) =>
    node.nodeName === "MARK" ? h("mark", {}, node.textContent) : document.createTextNode(node.textContent),
  );
}
