import type { RingcastClient } from "../../client/index.ts";
import { ClusterRates } from "./cluster-rates.ts";
import { h, render, time } from "./dom.ts";
import { messageOf } from "./sign-in.ts";

const REFRESH_MS = 2000;
/** Where the operator token is kept for this tab (never in localStorage: it ends with the tab). */
const OPERATOR_TOKEN = "ringcast.operatorToken";

/**
 * Members, their share of the ring and their sockets, refreshed live. Returns a stop function.
 * Cluster internals are for operators: the page asks for the operator token first.
 */
export function clusterView(client: RingcastClient): { element: HTMLElement; stop: () => void } {
  const summary = h("p", { "data-testid": "cluster-summary" }, "Loading…");
  const rows = h("tbody");
  const error = h("p", { class: "error", role: "alert" });
  const refusals = h("p", { class: "hint", "data-testid": "refusals" });
  const rates = new ClusterRates();
  const tokenInput = h("input", { type: "password", name: "operator-token", "data-testid": "operator-token", autocomplete: "off", required: true });
  const unlock = h(
    "form",
    {
      class: "stack",
      onsubmit: (event: Event) => {
        event.preventDefault();
        sessionStorage.setItem(OPERATOR_TOKEN, tokenInput.value.trim());
        void refresh();
      },
    },
    h("label", {}, "Operator token", tokenInput),
    h("button", { type: "submit" }, "Show the cluster"),
  );
  const refresh = async (): Promise<void> => {
    const operatorToken = sessionStorage.getItem(OPERATOR_TOKEN);
    unlock.hidden = operatorToken !== null;
    if (operatorToken === null) {
      summary.textContent = "This page is for operators: enter the cluster's operator token.";
      return;
    }
    try {
      const view = await client.rest.cluster(operatorToken);
      unlock.hidden = true;
      error.textContent = "";
      const epoch = view.mode === "hash" ? ` · ring epoch ${view.epoch}` : "";
      summary.textContent = `${view.mode} mode${epoch} · ${view.members.length} members · ${view.totalSockets} sockets`;
      const perMember = rates.update(view.members);
      const recent = rates.recentRefusals();
      refusals.textContent = recent.length > 0 ? `Refused in the last minute: ${recent.map(([code, n]) => `${code} ${n}`).join(", ")}` : "No refusals in the last minute.";
      render(
        rows,
        ...view.members.map((m) =>
          h(
            "tr",
            { "data-member": m.id },
            h("td", {}, m.id, m.id === client.session?.member ? " (you)" : ""),
            h("td", {}, String(m.sockets)),
            h("td", {}, m.ringShare === undefined ? "–" : `${(m.ringShare * 100).toFixed(1)}%`),
            h("td", { "data-testid": "rate" }, rate(perMember.get(m.id))),
            h("td", {}, time(m.lastHeartbeatAt)),
          ),
        ),
      );
    } catch (err) {
      error.textContent = `Cannot read the cluster: ${messageOf(err)}`;
      if ((err as { status?: number }).status === 403) sessionStorage.removeItem(OPERATOR_TOKEN);
      unlock.hidden = sessionStorage.getItem(OPERATOR_TOKEN) !== null;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  const table = h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "member"), h("th", {}, "sockets"), h("th", {}, "ring share"), h("th", {}, "sent/s · delivered/s"), h("th", {}, "heartbeat"))), rows);
  return { element: h("section", { class: "card" }, h("h2", {}, "Cluster"), summary, unlock, table, refusals, error), stop: () => clearInterval(timer) };
}

function rate(perSecond: { sent: number; delivered: number } | undefined): string {
  return perSecond ? `${perSecond.sent.toFixed(1)} · ${perSecond.delivered.toFixed(1)}` : "–";
}
