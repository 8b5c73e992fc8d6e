// Guides: list, search and read. A guide once opened stays readable offline (the service worker
// keeps its JSON); the list remembers which ones are on this phone.
import { api, isOffline } from "./api.js";
import { getMeta, setMeta } from "./db.js";
import { fill, h, screen } from "./dom.js";
import { renderGuide, snippetNodes } from "./guide-render.js";
import { session } from "./session.js";

/** Without an account there is no tab bar: a guest always has a way back to the start. */
const back = () =>
  session.account ? null : h("p", { class: "back" }, h("a", { href: "#/welcome" }, "← Back to the start"));

const AUDIENCE = { patient: "For you", family: "For family", both: "For you and family" };

export default async function guides({ params, signal }) {
  if (params[0]) return read(params.join("/"));
  let list;
  try {
    list = await api("/api/guides", { signal });
  } catch (error) {
    if (!isOffline(error)) throw error;
    list = null;
  }
  const saved = new Set(await getMeta("guides-read", []));
  const results = h("div", { "aria-live": "polite" });
  const query = h("input", { type: "search", name: "q", autocomplete: "off", enterkeyhint: "search" });
  const search = h(
    "form",
    { role: "search", class: "row", "aria-label": "Search the guides" },
    h("label", { class: "grow" }, h("span", { class: "sr" }, "Search the guides"), query),
    h("button", { class: "btn", type: "submit" }, "Search"),
  );
  search.addEventListener("submit", async (event) => {
    event.preventDefault();
    await runSearch(query.value.trim(), results);
  });
  screen(
    "Guides",
    back(),
    h("p", {}, "Plain-language guides about ketamine treatment, for you and for the people around you."),
    search,
    results,
    list
      ? h(
          "ul",
          { class: "list" },
          list.map((g) =>
            h(
              "li",
              {},
              h("a", { class: "label", href: `#/guides/${encodeURIComponent(g.slug)}` }, g.title),
              h("p", { class: "small" }, g.summary),
              h(
                "p",
                { class: "small muted" },
                `${AUDIENCE[g.audience] || g.audience} · ${g.reading_minutes} min read${saved.has(g.slug) ? " · saved on this phone" : ""}`,
              ),
            ),
          ),
        )
      : h(
          "p",
          {},
          "You're offline and the guide list isn't on this phone yet. Guides you've opened before can still be read.",
        ),
  );
}

async function runSearch(q, box) {
  if (!q) return fill(box);
  try {
    const hits = await api(`/api/guides/search?q=${encodeURIComponent(q)}`);
    fill(
      box,
      h(
        "h2",
        {},
        hits.length ? `${hits.length} result${hits.length > 1 ? "s" : ""} for “${q}”` : `Nothing found for “${q}”`,
      ),
      h(
        "ul",
        { class: "list card" },
        hits.map((hit) =>
          h(
            "li",
            {},
            h("a", { class: "label", href: `#/guides/${encodeURIComponent(hit.slug)}` }, hit.title),
            h("p", { class: "small" }, snippetNodes(hit.snippet)),
          ),
        ),
      ),
    );
  } catch (error) {
    fill(box, h("p", { class: "error" }, isOffline(error) ? "Search needs a connection." : error.message));
  }
}

async function read(slug) {
  let guide = null;
  let offline = false;
  try {
    guide = await api(`/api/guides/${encodeURIComponent(slug)}`);
    await setMeta(`guide:${slug}`, guide); // readable offline even without the service worker
  } catch (error) {
    offline = isOffline(error);
    if (offline) guide = await getMeta(`guide:${slug}`);
  }
  if (!guide) {
    screen(
      offline ? "Not on this phone yet" : "Guide not found",
      h(
        "p",
        {},
        offline
          ? "You're offline and this guide hasn't been opened on this phone before. It will open once you're connected."
          : "This guide doesn't exist (any more).",
      ),
      h("p", {}, h("a", { href: "#/guides" }, "All guides")),
    );
    return;
  }
  const saved = new Set(await getMeta("guides-read", []));
  if (!saved.has(slug)) await setMeta("guides-read", [...saved, slug]);
  screen(
    guide.title,
    h("p", { class: "back" }, h("a", { href: "#/guides" }, "← All guides")),
    h("p", {}, guide.summary),
    renderGuide(guide),
    h("p", {}, h("a", { href: "#/guides" }, "All guides")),
    back(),
  );
}
