import { h } from "./dom.ts";
import { submitHandler } from "./form.ts";
import { messageOf } from "./sign-in.ts";

export interface ComposerOptions {
  title: string;
  placeholder: string;
  rows: number;
  /** Labelled pickers above the message box (class, recipient). */
  fields: [label: string, control: HTMLElement][];
  /** Sends the text; the box is cleared once it resolves, the reason shown if it rejects. */
  send: (text: string) => Promise<void>;
  /** Shown under the form (e.g. what was sent). */
  footer?: HTMLElement;
}

/** A message form: title, pickers, message box, Send, and why a send failed. */
export function composer(options: ComposerOptions): { form: HTMLFormElement; body: HTMLTextAreaElement; error: HTMLElement } {
  const body = h("textarea", { name: "body", rows: String(options.rows), placeholder: options.placeholder, "data-testid": "body" });
  const error = h("p", { class: "error", role: "alert", "data-testid": "send-error" });
  const button = h("button", { type: "submit" }, "Send");
  const work = async (): Promise<void> => {
    await options.send(body.value);
    body.value = "";
  };
  const form = h(
    "form",
    { class: "card composer", onsubmit: submitHandler(button, error, work, (err) => `Not sent: ${messageOf(err)}`) },
    h("h2", {}, options.title),
    ...options.fields.map(([label, control]) => h("label", {}, label, control)),
    h("label", {}, "Message", body),
    button,
    error,
    options.footer,
  );
  return { form, body, error };
}
