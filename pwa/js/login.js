// Log in or create an account.
import { api, isOffline } from "./api.js";
import { field, formError, h, screen } from "./dom.js";
import { go } from "./nav.js";
import { signedIn } from "./session.js";
import { announce } from "./status.js";

export default async function login({ params }) {
  const registering = params[0] === "new";
  const username = h("input", {
    type: "text",
    name: "username",
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    spellcheck: "false",
    minlength: 3,
    maxlength: 40,
  });
  const password = h("input", {
    type: "password",
    name: "password",
    required: true,
    minlength: registering ? 8 : 1,
    autocomplete: registering ? "new-password" : "current-password",
  });
  const submit = h("button", { class: "btn wide", type: "submit" }, registering ? "Create account" : "Log in");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    field("Username", username, registering ? "3 to 40 letters, digits, dots, dashes or underscores." : null),
    field("Password", password, registering ? "At least 8 characters. A few words you'll remember work well." : null),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) return formError(form, "Enter a username and a password.");
    if (registering && password.value.length < 8) return formError(form, "The password needs at least 8 characters.");
    submit.disabled = true;
    formError(form, "");
    try {
      const body = { username: username.value.trim(), password: password.value };
      if (registering) body.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
      const account = await api(registering ? "/api/account" : "/api/session", { method: "POST", body });
      await signedIn(account);
      announce(registering ? "Welcome to Waypoint." : "You're logged in.");
      const next = sessionStorage.getItem("after-login");
      sessionStorage.removeItem("after-login");
      if (next && next !== location.hash) location.hash = next;
      else go("today");
    } catch (error) {
      formError(form, isOffline(error) ? "You're offline. Connect to the internet to log in." : error.message);
      (registering && error.fieldMessage?.("username") ? username : password).focus();
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
