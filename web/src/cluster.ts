import type { RingcastClient } from "../../client/index.ts";
import { h, render, time } from "./dom.ts";
import { messageOf } from "./sign-in.ts";

const REFRESH_MS = 2000;

/** Members, their share of the ring and their sockets, refreshed live. Returns a stop function. */
export function clusterView(client: RingcastClient): { element: HTMLElement; stop: () => void } {
  const summary = h("p", { "data-testid": "cluster-summary" }, "Loading…");
  const rows = h("tbody");
  const error = h("p", { class: "error", role: "alert" });
  const refresh = async (): Promise<void> => {
    try {
      const view = await client.rest.cluster(client.token);
      error.textContent = "";
      summary.textContent = `${view.mode} mode · ring epoch ${view.epoch} · ${view.members.length} members · ${view.totalSockets} sockets`;
      render(
        rows,
        ...view.members.map((m) =>
          h(
            "tr",
            { "data-member": m.id },
            h("td", {}, m.id, m.id === client.session?.member ? " (you)" : ""),
            h("td", {}, String(m.sockets)),
            h("td", {}, m.ringShare === undefined ? "–" : `${(m.ringShare * 100).toFixed(1)}%`),
            h("td", {}, time(m.lastHeartbeatAt)),
          ),
        ),
      );
    } catch (err) {
      error.textContent = `Cannot read the cluster: ${messageOf(err)}`;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  const table = h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "member"), h("th", {}, "sockets"), h("th", {}, "ring share"), h("th", {}, "heartbeat"))), rows);
  return { element: h("section", { class: "card" }, h("h2", {}, "Cluster"), summary, table, error), stop: () => clearInterval(timer) };
}
