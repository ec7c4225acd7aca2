import { OPERATOR_TOKEN } from "../test/support/processes.ts";

/** The series a load run must show moving on the members (summed) and present on the gateway. */
const MEMBER_SERIES = ["ringcast_messages_sent_total", "ringcast_messages_delivered_total", "ringcast_connections", "ringcast_adapter_published_total"];
const GATEWAY_SERIES = ["ringcast_gateway_connections", "ringcast_members", "ringcast_process_resident_memory_bytes"];

type Reading = Map<string, number>;

/** Sums each series (over its labels) in a Prometheus text scrape. */
async function scrape(url: string): Promise<Reading> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  const sums: Reading = new Map();
  for (const line of (await response.text()).split("\n")) {
    const match = /^([a-z_0-9]+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match) sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return sums;
}

async function scrapeAll(urls: string[]): Promise<Reading> {
  const total: Reading = new Map();
  for (const reading of await Promise.all(urls.map(scrape))) for (const [name, v] of reading) total.set(name, (total.get(name) ?? 0) + v);
  return total;
}

/**
 * GET /metrics on the members and the gateway before and during a load run, as an operator's
 * scraper would: prints each named series and fails if one is missing.
 */
export class MetricsWatch {
  private before: Reading = new Map();

  constructor(
    private readonly memberUrls: string[],
    private readonly gatewayUrl: string,
  ) {}

  async start(): Promise<void> {
    this.before = await scrapeAll(this.memberUrls);
  }

  /** Prints the series; returns the names that were missing. */
  async report(): Promise<string[]> {
    const [after, gateway] = await Promise.all([scrapeAll(this.memberUrls), scrape(this.gatewayUrl)]);
    const missing: string[] = [];
    for (const name of MEMBER_SERIES) {
      if (!after.has(name)) missing.push(name);
      else console.log(`metrics: members ${name} ${this.before.get(name) ?? 0} -> ${after.get(name)}`);
    }
    for (const name of GATEWAY_SERIES) {
      if (!gateway.has(name)) missing.push(`gateway ${name}`);
      else console.log(`metrics: gateway ${name} ${gateway.get(name)}`);
    }
    return missing;
  }
}
