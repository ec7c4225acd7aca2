import { request } from "node:http";
import { expect } from "chai";
import { tokenFor } from "../support/clients.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { OPERATOR_TOKEN } from "../support/processes.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

/** One raw HTTP exchange (fetch refuses TRACE and cannot send PROPFIND freely). */
function raw(url: string, method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("abuse: what a member shows to whom", function () {
  this.timeout(20_000);
  let server: InProcessMember;

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("surface");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({ redisUrl: redis.url, prefix });
  });

  after(() => server.close());

  it("answers /api/cluster to operators only: 401 without a token, 403 for students and teachers", async () => {
    const cluster = (token?: string) => fetch(`${server.url}/api/cluster`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const anonymous = await cluster();
    expect(anonymous.status).to.equal(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).to.equal("missing_token");
    for (const user of ["s001", "t-ada"]) {
      const refused = await cluster(await tokenFor(server.url, user));
      expect(refused.status).to.equal(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal("forbidden");
    }
    expect((await cluster("x".repeat(64))).status).to.equal(403);
    const operator = await cluster(OPERATOR_TOKEN);
    expect(operator.status).to.equal(200);
    expect(((await operator.json()) as { members: unknown[] }).members).to.have.length(1);
  });

  it("serves the web page with a Content-Security-Policy that forbids framing, and no source map", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).to.equal(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).to.include("frame-ancestors 'none'");
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("default-src 'none'");
    expect(page.headers.get("referrer-policy")).to.equal("no-referrer");
    expect(page.headers.get("x-content-type-options")).to.equal("nosniff");
    const map = await fetch(`${server.url}/app.js.map`);
    expect(map.status).to.equal(404);
    expect(((await map.json()) as { error: { code: string } }).error.code).to.equal("not_found");
  });

  it("answers every unsupported method with the JSON error shape", async () => {
    for (const method of ["TRACE", "PROPFIND", "PATCH", "DELETE"]) {
      const answer = await raw(server.url, method, "/api/messages");
      expect(answer.status, method).to.be.oneOf([404, 405]);
      expect(answer.headers["content-type"], method).to.match(/application\/json/);
      expect((JSON.parse(answer.body) as { error: { code: string } }).error.code, method).to.match(/^(method_not_allowed|not_found)$/);
    }
    const trace = await raw(server.url, "TRACE", "/");
    expect(trace.status).to.equal(405);
    expect(JSON.parse(trace.body)).to.deep.include({ error: { code: "method_not_allowed", message: "TRACE is not allowed on /" } });
  });
});
