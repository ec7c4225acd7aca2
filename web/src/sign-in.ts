import { RestError } from "../../client/index.ts";
import { h } from "./dom.ts";
import { submitHandler } from "./form.ts";

export interface Credentials {
  userId: string;
  password: string;
}

/** The sign-in form; `onSubmit` rejects with the reason to show (e.g. a wrong password). */
export function signInView(onSubmit: (credentials: Credentials) => Promise<void>): HTMLElement {
  const error = h("p", { class: "error", role: "alert", "data-testid": "sign-in-error" });
  const userId = h("input", { name: "userId", autocomplete: "username", required: true, placeholder: "t-ada or s001" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    {
      class: "card sign-in",
      onsubmit: submitHandler(
        button,
        error,
        () => onSubmit({ userId: userId.value.trim(), password: password.value }),
        (err) => (err instanceof RestError && err.code === "invalid_credentials" ? "Wrong user id or password." : messageOf(err)),
      ),
    },
    h("h1", {}, "ringcast classroom"),
    h("label", {}, "User id", userId),
    h("label", {}, "Password", password),
    button,
    error,
    h("p", { class: "hint" }, "Demo school: teachers t-ada, t-grace, t-alan; students s001 … s060; password ringcast-demo."),
  );
  return form;
}

export function messageOf(err: unknown): string {
  if (err instanceof TypeError) return "The server cannot be reached. Check your connection and try again.";
  return err instanceof Error ? err.message : String(err);
}
