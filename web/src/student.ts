import type { RingcastClient } from "../../client/index.ts";
import type { ClassSummary, Message, User } from "../../protocol/index.ts";
import { h, render } from "./dom.ts";
import { composer } from "./composer.ts";
import { messageOf } from "./sign-in.ts";

/**
 * A student's composer: a direct message to a teacher or a classmate (the people the rules let a
 * student write to: anyone who shares a class). `replyTo` fills it in from a received message.
 */
export function studentComposer(client: RingcastClient, classes: ClassSummary[]): { element: HTMLElement; replyTo: (message: Message) => void } {
  const to = h("select", { name: "to", "data-testid": "to" }, h("option", { value: "" }, "Loading…"));
  const sent = h("p", { class: "hint", "data-testid": "reply-sent" });
  const { form, body, error } = composer({
    title: "Write a message",
    placeholder: "Write to your teacher or a classmate",
    rows: 2,
    fields: [["To", to]],
    send: async (text) => {
      const name = to.selectedOptions[0]?.textContent ?? to.value;
      await client.send({ user: to.value }, text);
      sent.textContent = `Sent to ${name}.`;
    },
    footer: sent,
  });

  void people(client, classes)
    .then((users) => render(to, ...users.map((u) => h("option", { value: u.id }, u.role === "teacher" ? `${u.name} (teacher)` : u.name))))
    .catch((err: unknown) => (error.textContent = `Cannot load your classes: ${messageOf(err)}`));

  const replyTo = (message: Message): void => {
    if (!to.querySelector(`option[value="${CSS.escape(message.from.id)}"]`)) to.append(h("option", { value: message.from.id }, message.from.name));
    to.value = message.from.id;
    body.focus();
  };
  return { element: form, replyTo };
}

/** Teachers first, then classmates, each once, never the student itself. */
async function people(client: RingcastClient, classes: ClassSummary[]): Promise<User[]> {
  const details = await Promise.all(classes.map((c) => client.rest.classDetail(client.token, c.id)));
  const byId = new Map<string, User>();
  // A deleted teacher's class has none.
  for (const { teacher } of details) if (teacher) byId.set(teacher.id, teacher);
  for (const detail of details) for (const student of detail.students) if (!byId.has(student.id)) byId.set(student.id, student);
  byId.delete(client.user.id);
  return [...byId.values()];
}
