import { RingcastClient } from "../../client/index.ts";
import type { ClassSummary, HistoryPage } from "../../protocol/index.ts";
import { clusterView } from "./cluster.ts";
import { h, render } from "./dom.ts";
import { messageList } from "./message-list.ts";
import { type Credentials, messageOf, signInView } from "./sign-in.ts";
import { statusBar } from "./status-bar.ts";
import { studentComposer } from "./student.ts";
import { teacherView } from "./teacher.ts";

const app = document.getElementById("app")!;
const saved = { token: "ringcast:token" };
const HISTORY_PAGE = 30;

/** Through a gateway the page's own origin routes the socket; a member alone is asked for the route. */
async function behindGateway(): Promise<boolean> {
  return (await fetch("/gateway/healthz").catch(() => undefined))?.ok ?? false;
}

async function start(credentials: Credentials | { token: string }): Promise<void> {
  const client = await RingcastClient.signIn({ url: location.origin, route: !(await behindGateway()) }, credentials);
  sessionStorage.setItem(saved.token, client.token);
  const [classes, history] = await Promise.all([client.rest.classes(client.token), client.rest.history(client.token, { limit: HISTORY_PAGE })]);
  // The live session picks up right after the newest message shown: nothing twice, nothing missed.
  client.lastMessageId = history.lastMessageId;
  show(client, classes, history);
  client.connect().catch(() => undefined); // the status bar shows the state and any refusal
}

function show(client: RingcastClient, classes: ClassSummary[], history: HistoryPage): void {
  const classNames = new Map(classes.map((c) => [c.id, c.name]));
  let home: HTMLElement;
  if (client.user.role === "teacher") {
    home = h("div", { class: "stack" }, teacherView(client, classes), messageList(client, classNames, history));
  } else {
    const composer = studentComposer(client, classes);
    home = h("div", { class: "stack" }, messageList(client, classNames, history, composer.replyTo), composer.element);
  }
  const main = h("main");
  let stopCluster: (() => void) | undefined;
  const route = (): void => {
    stopCluster?.();
    stopCluster = undefined;
    if (location.hash === "#/cluster") {
      const cluster = clusterView(client);
      stopCluster = cluster.stop;
      render(main, cluster.element);
    } else render(main, home);
  };
  window.addEventListener("hashchange", route);
  const signOut = (): void => {
    // Revokes the token on the server too (its sockets everywhere close); signed out locally either way.
    void client
      .logout()
      .catch(() => undefined)
      .finally(() => {
        sessionStorage.clear();
        location.hash = "";
        location.reload();
      });
  };
  const header = h(
    "header",
    {},
    h("strong", { class: "brand" }, "ringcast"),
    h("nav", {}, h("a", { href: "#/" }, client.user.role === "teacher" ? "Classes" : "Messages"), h("a", { href: "#/cluster" }, "Cluster")),
    h("span", { class: "who", "data-testid": "who" }, `${client.user.name} (${client.user.role})`),
    h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
  );
  render(app, header, statusBar(client), main);
  route();
}

function showSignIn(): void {
  render(app, h("main", {}, signInView((credentials) => start(credentials))));
}

const token = sessionStorage.getItem(saved.token);
if (token) {
  start({ token }).catch((err: unknown) => {
    console.warn(`resuming the saved session failed: ${messageOf(err)}`);
    sessionStorage.removeItem(saved.token);
    showSignIn();
  });
} else showSignIn();
