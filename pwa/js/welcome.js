// The first screen for someone who is not logged in: what Waypoint does and that the journal is
// private, in two lines, then the three ways in.
import { h, screen } from "./dom.js";

export default async function welcome() {
  screen(
    "Welcome to Waypoint",
    h(
      "p",
      { class: "lead" },
      "A companion for ketamine treatment: check in on your mood in seconds, keep track of your sessions and see how you're doing over time.",
    ),
    h("p", { class: "lead" }, "Your journal is private. Nobody sees it unless you choose to share a link."),
    h(
      "div",
      { class: "stack" },
      h("a", { class: "btn wide", href: "#/login/new" }, "Create an account"),
      h("a", { class: "btn secondary wide", href: "#/login" }, "Log in"),
      h("a", { class: "btn secondary wide", href: "#/guides" }, "Read the guides"),
    ),
    h("p", { class: "small muted" }, "The guides are free to read without an account."),
  );
}
