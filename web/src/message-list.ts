import type { Message, RingcastClient } from "../../client/index.ts";
import { h, time } from "./dom.ts";

/** Incoming messages, newest first, with an unread count (also in the tab title). */
export function messageList(client: RingcastClient, classNames: Map<string, string>): HTMLElement {
  const items = h("ol", { class: "messages", "data-testid": "messages" });
  const unread = h("span", { class: "badge", "data-testid": "unread", hidden: true });
  const markRead = h("button", { type: "button", class: "link", hidden: true, onclick: () => setUnread(0) }, "Mark all read");
  let count = 0;
  const setUnread = (n: number): void => {
    count = n;
    unread.textContent = `${n} unread`;
    unread.hidden = n === 0;
    markRead.hidden = n === 0;
    document.title = n > 0 ? `(${n}) ringcast` : "ringcast";
  };
  client.on("message", (message: Message) => {
    items.prepend(item(message, classNames));
    setUnread(count + 1);
  });
  client.on("history-truncated", () => {
    items.prepend(h("li", { class: "notice" }, "Some older messages are no longer kept and could not be shown."));
  });
  const empty = h("p", { class: "hint" }, "No messages yet. They appear here as they arrive.");
  const observer = new MutationObserver(() => (empty.hidden = items.childElementCount > 0));
  observer.observe(items, { childList: true });
  const section = h("section", { class: "card" }, h("h2", {}, "Messages ", unread, " ", markRead), empty, items);
  section.addEventListener("click", (event) => {
    if ((event.target as Element).closest(".messages")) setUnread(0);
  });
  return section;
}

function item(message: Message, classNames: Map<string, string>): HTMLElement {
  const target = message.to.type === "class" ? `to ${classNames.get(message.to.id) ?? message.to.id}` : "direct";
  const li = h(
    "li",
    { class: "message unread", "data-id": message.id },
    h("div", { class: "meta" }, h("strong", {}, message.from.name), h("span", {}, target), h("time", { datetime: message.sentAt }, time(message.sentAt))),
    h("p", { class: "body" }, message.body),
  );
  return li;
}
