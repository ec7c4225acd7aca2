import type { Row } from "./report.ts";
import type { Scenario } from "./scenarios.ts";

const PANEL = { width: 360, height: 240, left: 52, right: 12, top: 34, bottom: 40 };
const COLORS = ["#6b7280", "#a16207", "#2563eb", "#16a34a", "#7c3aed", "#db2777", "#0891b2"];

const escapeXml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * An SVG chart: one panel per scenario, CPU-ms per 1000 messages (or deliveries) against the
 * number of members, a line per system (medians). Plain SVG, so it needs no plotting library.
 */
export function chartSvg(rows: Row[], scenarios: Scenario[]): string {
  const panels = scenarios.filter((s) => rows.some((r) => r.scenario === s.name));
  const systems = [...new Set(rows.map((r) => r.system))];
  const width = PANEL.width * Math.max(1, panels.length);
  const legendHeight = 22 * Math.ceil(systems.length / 3);
  const parts = panels.map((scenario, i) => panel(rows.filter((r) => r.scenario === scenario.name), scenario, systems, i * PANEL.width));
  const legend = systems.map((system, i) => {
    const x = 12 + (i % 3) * 230;
    const y = PANEL.height + 16 + Math.floor(i / 3) * 22;
    return `<rect x="${x}" y="${y - 9}" width="14" height="4" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 20}" y="${y}">${escapeXml(system)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL.height + legendHeight + 16}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    ...legend,
    "</svg>",
  ].join("\n");
}

function panel(rows: Row[], scenario: Scenario, systems: string[], offsetX: number): string {
  const ns = [...new Set(rows.map((r) => r.members))].sort((a, b) => a - b);
  const max = Math.max(1, ...rows.map((r) => r.cpuMsPer1000.median).filter(Number.isFinite)) * 1.1;
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const x = (n: number): number => offsetX + PANEL.left + (ns.length === 1 ? plotW / 2 : (ns.indexOf(n) / (ns.length - 1)) * plotW);
  const y = (v: number): number => PANEL.top + plotH - (v / max) * plotH;
  const out = [
    `<text x="${offsetX + PANEL.left}" y="14" font-weight="bold">${escapeXml(scenario.name)}</text>`,
    `<text x="${offsetX + PANEL.left}" y="27" fill="#555">CPU-ms per 1000 ${scenario.per === "delivery" ? "deliveries" : "messages"} (lower is better)</text>`,
    `<line x1="${offsetX + PANEL.left}" y1="${y(0)}" x2="${offsetX + PANEL.left + plotW}" y2="${y(0)}" stroke="#999"/>`,
    `<line x1="${offsetX + PANEL.left}" y1="${PANEL.top}" x2="${offsetX + PANEL.left}" y2="${y(0)}" stroke="#999"/>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1].map((f) => f * max)) {
    out.push(`<text x="${offsetX + PANEL.left - 6}" y="${y(tick) + 4}" text-anchor="end">${Math.round(tick)}</text>`);
  }
  for (const n of ns) out.push(`<text x="${x(n)}" y="${y(0) + 16}" text-anchor="middle">N=${n}</text>`);
  systems.forEach((system, i) => {
    const points = rows
      .filter((r) => r.system === system && Number.isFinite(r.cpuMsPer1000.median))
      .sort((a, b) => a.members - b.members)
      .map((r) => `${x(r.members).toFixed(1)},${y(r.cpuMsPer1000.median).toFixed(1)}`);
    if (points.length === 0) return;
    const color = COLORS[i % COLORS.length];
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(" ")}"/>`);
    for (const p of points) out.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${color}"/>`);
  });
  return out.join("\n");
}
