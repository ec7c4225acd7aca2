import type { RingcastClient } from "../../client/index.ts";
import { compareIds, type HistoryPage, type Message } from "../../protocol/index.ts";
import { h, time } from "./dom.ts";
import { messageOf } from "./sign-in.ts";

const PAGE = 30;

/**
 * The user's messages, newest first: the history page it opened with, older pages on demand, then
 * live ones. Unread is what came after the last message marked read, kept per user in this
 * browser, so it survives a reload. `onReply` adds a Reply button to messages from other users.
 */
export function messageList(client: RingcastClient, classNames: Map<string, string>, history: HistoryPage, onReply?: (message: Message) => void): HTMLElement {
  const items = h("ol", { class: "messages", "data-testid": "messages" });
  const unread = h("span", { class: "badge", "data-testid": "unread", hidden: true });
  const readKey = `ringcast:lastRead:${client.user.id}`;
  let lastRead = localStorage.getItem(readKey) ?? "0-0";
  let newest: string | undefined;
  const isUnread = (id: string): boolean => compareIds(id, lastRead) > 0;
  const refreshUnread = (): void => {
    const n = items.querySelectorAll("li.message.unread").length;
    unread.textContent = `${n} unread`;
    unread.hidden = n === 0;
    markRead.hidden = n === 0;
    document.title = n > 0 ? `(${n}) ringcast` : "ringcast";
  };
  const markAllRead = (): void => {
    if (newest === undefined) return;
    lastRead = newest;
    localStorage.setItem(readKey, lastRead);
    for (const li of items.querySelectorAll("li.message.unread")) li.classList.remove("unread");
    refreshUnread();
  };
  const markRead = h("button", { type: "button", class: "link", hidden: true, onclick: markAllRead }, "Mark all read");
  const show = (message: Message, where: "top" | "bottom"): void => {
    const li = item(message, classNames, isUnread(message.id), message.from.id === client.user.id ? undefined : onReply);
    if (where === "top") items.prepend(li);
    else items.append(li);
    if (newest === undefined || compareIds(message.id, newest) > 0) newest = message.id;
  };

  const error = h("p", { class: "error", role: "alert" });
  let before = history.before;
  const older = h("button", { type: "button", class: "link", "data-testid": "older", hidden: before === null }, "Show older messages");
  older.addEventListener("click", () => {
    if (before === null) return;
    older.disabled = true;
    client.rest
      .history(client.token, { before, limit: PAGE })
      .then((page) => {
        for (const message of [...page.messages].reverse()) show(message, "bottom");
        before = page.before;
        older.hidden = before === null;
        refreshUnread();
      })
      .catch((err: unknown) => (error.textContent = `Cannot load older messages: ${messageOf(err)}`))
      .finally(() => (older.disabled = false));
  });

  for (const message of history.messages) show(message, "top");
  client.on("message", (message: Message) => {
    show(message, "top");
    refreshUnread();
  });
  client.on("history-truncated", () => {
    items.prepend(h("li", { class: "notice" }, "Some older messages are no longer kept and could not be shown."));
  });
  const empty = h("p", { class: "hint" }, "No messages yet. They appear here as they arrive.");
  const observer = new MutationObserver(() => {
    empty.hidden = items.childElementCount > 0;
  });
  observer.observe(items, { childList: true });
  empty.hidden = items.childElementCount > 0;
  refreshUnread();
  const section = h("section", { class: "card" }, h("h2", {}, "Messages ", unread, " ", markRead), empty, items, older, error);
  section.addEventListener("click", (event) => {
    const target = event.target as Element;
    if (target.closest(".messages") && !target.closest("button")) markAllRead();
  });
  return section;
}

function item(message: Message, classNames: Map<string, string>, unread: boolean, onReply?: (message: Message) => void): HTMLElement {
  const target = message.to.type === "class" ? `to ${classNames.get(message.to.id) ?? message.to.id}` : "direct";
  const reply = onReply && h("button", { type: "button", class: "link", "data-testid": "reply", onclick: () => onReply(message) }, "Reply");
  return h(
    "li",
    { class: unread ? "message unread" : "message", "data-id": message.id },
    h("div", { class: "meta" }, h("strong", {}, message.from.name), h("span", {}, target), h("time", { datetime: message.sentAt }, time(message.sentAt)), reply),
    h("p", { class: "body" }, message.body),
  );
}
