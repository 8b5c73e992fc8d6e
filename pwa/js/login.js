// Log in or create an account. The username rules are shown before anyone types, and a name
// with spaces has its own field (the display name), so nobody meets a refusal they could not
// have foreseen.
import { api, isOffline } from "./api.js";
import { clearErrors, field, fieldError, formError, h, screen } from "./dom.js";
import { go } from "./nav.js";
import { signedIn } from "./session.js";
import { announce } from "./status.js";

const USERNAME = /^[A-Za-z0-9._-]{3,40}$/;

export default async function login({ params }) {
  const registering = params[0] === "new";
  const username = h("input", {
    type: "text",
    name: "username",
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    spellcheck: "false",
    maxlength: 40,
  });
  const password = h("input", {
    type: "password",
    name: "password",
    required: true,
    autocomplete: registering ? "new-password" : "current-password",
  });
  const name = h("input", { type: "text", name: "display_name", maxlength: 80, autocomplete: "name" });
  const submit = h("button", { class: "btn wide", type: "submit" }, registering ? "Create account" : "Log in");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    field(
      "Username",
      username,
      registering
        ? "3 to 40 letters or digits; dots, dashes and underscores are fine, spaces are not. You log in with it."
        : null,
    ),
    registering ? field("Your name (optional)", name, "Spaces are fine here. It appears on your reports.") : null,
    field("Password", password, registering ? "At least 8 characters. A few words you'll remember work well." : null),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = username.value.trim();
    if (!chosen) return fieldError(username, "Enter your username.");
    if (registering && !USERNAME.test(chosen))
      return fieldError(
        username,
        "Use 3 to 40 letters, digits, dots, dashes or underscores, without spaces. Put a name with spaces under “Your name”.",
      );
    if (!password.value) return fieldError(password, "Enter your password.");
    if (registering && password.value.length < 8)
      return fieldError(password, "The password needs at least 8 characters.");
    submit.disabled = true;
    try {
      const body = { username: chosen, password: password.value };
      if (registering) {
        body.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
        if (name.value.trim()) body.display_name = name.value.trim();
      }
      const account = await api(registering ? "/api/account" : "/api/session", { method: "POST", body });
      await signedIn(account);
      announce(registering ? "Welcome to Waypoint." : "You're logged in.");
      const next = sessionStorage.getItem("after-login");
      sessionStorage.removeItem("after-login");
      if (next && next !== location.hash) location.hash = next;
      else go("today");
    } catch (error) {
      if (isOffline(error)) formError(form, "You're offline. Connect to the internet to log in.");
      else if (error.fieldMessage?.("username") || (registering && error.status === 409))
        fieldError(username, error.message);
      else if (error.fieldMessage?.("password")) fieldError(password, error.message);
      else if (error.fieldMessage?.("display_name")) fieldError(name, error.message);
      else {
        formError(form, error.message);
        password.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
  screen(
    registering ? "Create your account" : "Log in",
    h(
      "p",
      { class: "muted" },
      "Waypoint keeps your check-ins, treatments and questionnaires private to you. Nothing is shared unless you create a link.",
    ),
    form,
    h(
      "p",
      {},
      registering
        ? h("a", { href: "#/login" }, "I already have an account — log in")
        : h("a", { href: "#/login/new" }, "New here? Create an account"),
    ),
    h("p", {}, h("a", { href: "#/guides" }, "Read the guides without an account")),
  );
}
