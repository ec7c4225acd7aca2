import type { RingcastClient } from "../../client/index.ts";
import type { ClassDetail, ClassSummary, SendReceipt } from "../../protocol/index.ts";
import { h, render, time } from "./dom.ts";
import { composer } from "./composer.ts";
import { messageOf } from "./sign-in.ts";

const STATUS_POLLS = 15;

/** Classes, a composer (whole class or one student) and the live list of sent messages. */
export function teacherView(client: RingcastClient, classes: ClassSummary[]): HTMLElement {
  const classSelect = h("select", { name: "class", "data-testid": "class" }, ...classes.map((c) => h("option", { value: c.id }, `${c.name} (${c.studentCount})`)));
  const target = h("select", { name: "to", "data-testid": "to" });
  const sent = h("ol", { class: "messages", "data-testid": "sent" });
  let detail: ClassDetail | undefined;
  const { form, error } = composer({
    title: "Send a message",
    placeholder: "Write to your class or a student",
    rows: 3,
    fields: [
      ["Class", classSelect],
      ["To", target],
    ],
    send: async (text) => {
      const to = target.value ? { user: target.value } : { class: classSelect.value };
      const label = target.value ? (detail?.students.find((s) => s.id === target.value)?.name ?? target.value) : (detail?.name ?? classSelect.value);
      const receipt = await client.send(to, text);
      sent.prepend(sentItem(client, receipt, label, text));
    },
  });

  const loadClass = async (): Promise<void> => {
    detail = await client.rest.classDetail(client.token, classSelect.value);
    render(
      target,
      h("option", { value: "" }, `Whole class: ${detail.name}`),
      ...detail.students.map((s) => h("option", { value: s.id }, `${s.name} (${s.id})`)),
    );
  };
  classSelect.addEventListener("change", () => void loadClass().catch((err: unknown) => (error.textContent = messageOf(err))));
  void loadClass().catch((err: unknown) => (error.textContent = messageOf(err)));

  return h("div", { class: "stack" }, form, h("section", { class: "card" }, h("h2", {}, "Sent"), sent));
}

/** One sent message: its recipients, then how many have it, refreshed from GET /api/messages/:id. */
function sentItem(client: RingcastClient, receipt: SendReceipt, label: string, text: string): HTMLElement {
  const live = receipt.receipts.filter((r) => r.status === "live").length;
  const progress = h("span", { class: "progress", "data-testid": "delivery" }, `${receipt.recipients} recipients · ${live} online`);
  const li = h(
    "li",
    { class: "message", "data-id": receipt.id },
    h("div", { class: "meta" }, h("strong", {}, `to ${label}`), h("time", { datetime: receipt.sentAt }, time(receipt.sentAt))),
    h("p", { class: "body" }, text),
    progress,
  );
  let polls = 0;
  const poll = (): void => {
    client.rest
      .status(client.token, receipt.id)
      .then((status) => {
        const delivered = status.recipients.filter((r) => r.status === "delivered").length;
        progress.textContent = `${receipt.recipients} recipients · ${delivered} received`;
        if (delivered < receipt.recipients && ++polls < STATUS_POLLS) setTimeout(poll, 2000);
      })
      .catch(() => undefined);
  };
  setTimeout(poll, 500);
  return li;
}
