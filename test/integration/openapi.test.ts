import { Validator } from "@seriousme/openapi-schema-validator";
import { expect } from "chai";
import { Registry } from "prom-client";
import { type AppDeps, createApp, routesOf } from "../../server/api/app.ts";
import { createLogger } from "../../server/log.ts";
import { type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, uniquePrefix } from "../support/redis.ts";

type Document = { openapi: string; paths: Record<string, Record<string, unknown>> };

/** Koa's `/api/messages/:id` as OpenAPI writes it: `/api/messages/{id}`. */
const openApiPath = (path: string): string => path.replace(/:(\w+)/g, "{$1}");
const isApi = (path: string): boolean => path.startsWith("/api/") || ["/healthz", "/readyz", "/metrics"].includes(path);

describe("the API description: GET /api/openapi.json", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let document: Document;

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("openapi");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({ redisUrl: redis.url, prefix });
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).to.equal(200);
    document = (await response.json()) as Document;
  });

  after(() => server.close());

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(document.openapi).to.equal("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
  });

  it("describes exactly the routes the app answers, method by method", () => {
    // Only the route table is read: the dependencies are never called while routes are registered.
    const deps = { log: createLogger("silent"), maxBodyBytes: 1024, maxMessageChars: 2000, corsOrigins: [], operatorToken: undefined, metrics: new Registry() } as unknown as AppDeps;
    const served = routesOf(createApp(deps))
      .filter((route) => isApi(route.path))
      .map((route) => `${route.method} ${openApiPath(route.path)}`)
      .sort();
    const described = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(described).to.deep.equal(served);
  });

  it("describes request bodies with the schemas that validate them", async () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, { required?: string[]; additionalProperties?: boolean }> } }).components.schemas;
    expect(schemas.LoginRequest?.required).to.deep.equal(["userId", "password"]);
    expect(schemas.LoginRequest?.additionalProperties).to.equal(false);
    const refused = await fetch(`${server.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "s001", password: "x", extra: 1 }) });
    expect(refused.status).to.equal(400); // additionalProperties: false, as the document says
  });
});
