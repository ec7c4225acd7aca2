import type { ConnectionState, RingcastClient } from "../../client/index.ts";
import { h, render } from "./dom.ts";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Connection lost: reconnecting…",
  offline: "Offline",
  closed: "Signed out",
};

/**
 * The connection's state (and why it is not connected), kept current. Which member serves the tab
 * is an operator detail: not shown, only kept in `data-member` for support (the Cluster page
 * shows the cluster to operators).
 */
export function statusBar(client: RingcastClient): HTMLElement {
  const bar = h("div", { class: "status", role: "status", "aria-live": "polite" });
  const update = (reason?: string): void => {
    const session = client.session;
    const connected = client.state === "connected" && session;
    render(
      bar,
      h("span", { class: `dot ${client.state}`, "data-testid": "connection-state", "data-state": client.state, "data-member": connected ? session.member : "" }, LABELS[client.state]),
      !connected && reason ? h("span", { class: "reason" }, reason) : null,
    );
  };
  client.on("state", (_state, reason) => update(reason));
  client.on("session", () => update());
  update();
  return bar;
}
