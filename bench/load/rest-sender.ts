/**
 * `POST /api/messages` from the load generator: node:http over kept-alive connections (as a
 * backend posting to an API would), resolving when the server answered 201.
 */
import { Agent, request } from "node:http";

/** Enough connections for the saturation scenario's requests in flight, reused across requests. */
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export function postMessage(rest: { url: string; token: string }, payload: object, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(payload);
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${rest.token}` };
  return new Promise((resolve, reject) => {
    const req = request(`${rest.url}/api/messages`, { method: "POST", agent, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once("end", () => (res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.once("error", reject);
    });
    req.once("timeout", () => req.destroy(new Error("timed out")));
    req.once("error", reject);
    req.end(body);
  });
}

/** Closes the kept-alive connections (at the generator's exit). */
export function closeRestConnections(): void {
  agent.destroy();
}
