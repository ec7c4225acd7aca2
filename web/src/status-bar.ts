import type { ConnectionState, RingcastClient } from "../../client/index.ts";
import { h, render } from "./dom.ts";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Connection lost: reconnecting…",
  offline: "Offline",
  closed: "Signed out",
};

/** Connection state, the member serving this tab and (hash mode) the ring epoch, kept current. */
export function statusBar(client: RingcastClient): HTMLElement {
  const bar = h("footer", { class: "status", role: "status", "aria-live": "polite" });
  const update = (reason?: string): void => {
    const session = client.session;
    const connected = client.state === "connected" && session;
    render(
      bar,
      h("span", { class: `dot ${client.state}`, "data-testid": "connection-state", "data-state": client.state }, LABELS[client.state]),
      connected ? h("span", { "data-testid": "member" }, `member ${session.member}`) : null,
      connected && session.mode === "hash" ? h("span", { "data-testid": "epoch" }, `ring epoch ${session.epoch}`) : null,
      connected ? h("span", {}, `${session.mode} mode`) : null,
      !connected && reason ? h("span", { class: "reason" }, reason) : null,
    );
  };
  client.on("state", (_state, reason) => update(reason));
  client.on("session", () => update());
  update();
  return bar;
}
