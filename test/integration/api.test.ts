import { expect } from "chai";
import { RestError, RingcastRest } from "../../client/rest.ts";
import { tokenFor } from "../support/clients.ts";
import { expiredToken, type InProcessMember, startInProcessMember } from "../support/in-process.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details?: { field: string; problem: string }[] } } & Record<string, unknown>;
  headers: Headers;
}

describe("REST API", function () {
  this.timeout(20_000);
  let server: InProcessMember;
  let teacher: string;
  let student: string;

  before(async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix("api");
    await seedSchool(redis.url, prefix);
    server = await startInProcessMember({
      redisUrl: redis.url,
      prefix,
      env: { RINGCAST_MAX_BODY_BYTES: "2048", RINGCAST_MAX_MESSAGE_CHARS: "100" },
    });
    teacher = await tokenFor(server.url, "t-ada");
    student = await tokenFor(server.url, "s001");
  });

  after(() => server.close());

  async function call(method: string, path: string, init: { token?: string; body?: string; type?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["content-type"] = init.type ?? "application/json";
    const response = await fetch(server.url + path, { method, headers, body: init.body });
    return { status: response.status, body: (await response.json()) as Answer["body"], headers: response.headers };
  }

  const send = (body: string, token = teacher, type?: string) => call("POST", "/api/messages", { token, body, type });

  describe("sign-in and reading", () => {
    it("signs in with a user id and password and returns an expiring token", async () => {
      const session = await new RingcastRest(server.url).login("t-ada", TEST_PASSWORD);
      expect(session.user).to.deep.equal({ id: "t-ada", name: "Ada Lovelace", role: "teacher" });
      const ttl = Date.parse(session.expiresAt) - Date.now();
      expect(ttl).to.be.within(3500_000, 3600_000);
      expect(session.token.split(".")).to.have.length(3);
    });

    it("answers a wrong password and an unknown user the same way", async () => {
      for (const userId of ["t-ada", "nobody"]) {
        const answer = await call("POST", "/api/login", { body: JSON.stringify({ userId, password: "wrong" }) });
        expect(answer.status).to.equal(401);
        expect(answer.body.error).to.deep.equal({ code: "invalid_credentials", message: "unknown user or wrong password" });
      }
    });

    it("GET /api/me and /api/classes describe the caller", async () => {
      expect((await call("GET", "/api/me", { token: student })).body).to.deep.include({
        id: "s001",
        role: "student",
        classIds: ["math-7a", "physics-7a"],
      });
      const classes = (await call("GET", "/api/classes", { token: teacher })).body.classes;
      expect(classes).to.deep.equal([
        { id: "math-7a", name: "Mathematics 7A", teacherId: "t-ada", studentCount: 30 },
        { id: "math-8b", name: "Mathematics 8B", teacherId: "t-ada", studentCount: 30 },
      ]);
    });

    it("GET /api/classes/:id shows the roster to members of the class only", async () => {
      const roster = await call("GET", "/api/classes/math-7a", { token: student });
      expect(roster.status).to.equal(200);
      expect(roster.body.teacher).to.deep.equal({ id: "t-ada", name: "Ada Lovelace", role: "teacher" });
      expect(roster.body.students).to.have.length(30);
      expect((await call("GET", "/api/classes/cs-8b", { token: student })).status).to.equal(403);
      expect((await call("GET", "/api/classes/no-such", { token: student })).body.error?.code).to.equal("not_found");
    });

    it("answers health and readiness without a token", async () => {
      expect((await call("GET", "/healthz")).body).to.include({ status: "ok" });
      expect((await call("GET", "/readyz")).body).to.include({ status: "ready", redis: "up" });
    });
  });

  describe("bad input gets a clear 4xx and the member keeps serving", () => {
    afterEach(async () => {
      // Whatever the previous request did, a good request still works.
      const receipt = await new RingcastRest(server.url).send(teacher, { to: { user: "s001" }, body: "still here" });
      expect(receipt.recipients).to.equal(1);
    });

    it("malformed JSON -> 400 invalid_json", async () => {
      const answer = await send('{"to": {"user": "s001"}, "body": ');
      expect(answer.status).to.equal(400);
      expect(answer.body.error?.code).to.equal("invalid_json");
    });

    it("a JSON value that is not an object -> 400 saying so", async () => {
      for (const body of ['"hello"', "[1, 2]"]) {
        const answer = await send(body);
        expect(answer.status, body).to.equal(400);
        expect(answer.body.error?.code, body).to.equal("invalid_request");
      }
      expect((await send('"hello"')).body.error?.message).to.equal("the request body must be a JSON object");
    });

    it("missing fields -> 400 saying each is required", async () => {
      const answer = await send("{}");
      expect(answer.body.error?.details).to.deep.equal([
        { field: "to", problem: "is required" },
        { field: "body", problem: "is required" },
      ]);
    });

    it("wrong types -> 400 invalid_request naming each field", async () => {
      const answer = await send(JSON.stringify({ to: { user: 42 }, body: ["x"] }));
      expect(answer.status).to.equal(400);
      expect(answer.body.error?.code).to.equal("invalid_request");
      const fields = answer.body.error?.details?.map((d) => d.field);
      expect(fields).to.include.members(["to", "body"]);
    });

    it("unknown fields -> 400 naming the field", async () => {
      const answer = await send(JSON.stringify({ to: { class: "math-7a" }, body: "hi", priority: "high" }));
      expect(answer.status).to.equal(400);
      expect(answer.body.error?.details).to.deep.equal([{ field: "priority", problem: "unknown field" }]);
    });

    it("both a user and a class, or an empty body -> 400", async () => {
      expect((await send(JSON.stringify({ to: { class: "math-7a", user: "s001" }, body: "hi" }))).status).to.equal(400);
      const empty = await send(JSON.stringify({ to: { user: "s001" }, body: "   " }));
      expect(empty.body.error?.details).to.deep.equal([{ field: "body", problem: "must not be empty" }]);
    });

    it("a message body over the limit -> 400 naming the limit", async () => {
      const answer = await send(JSON.stringify({ to: { user: "s001" }, body: "x".repeat(101) }));
      expect(answer.status).to.equal(400);
      expect(answer.body.error?.details).to.deep.equal([{ field: "body", problem: "must be at most 100 characters" }]);
    });

    it("an oversized request body -> 413 payload_too_large", async () => {
      const answer = await send(JSON.stringify({ to: { user: "s001" }, body: "x".repeat(5000) }));
      expect(answer.status).to.equal(413);
      expect(answer.body.error?.code).to.equal("payload_too_large");
    });

    it("a body that is not JSON -> 415", async () => {
      const answer = await send("to=s001&body=hi", teacher, "application/x-www-form-urlencoded");
      expect(answer.status).to.equal(415);
      expect(answer.body.error?.code).to.equal("unsupported_media_type");
    });

    it("missing, malformed, forged and expired tokens -> 401 with distinct codes", async () => {
      const body = JSON.stringify({ to: { user: "s001" }, body: "hi" });
      const noToken = await call("POST", "/api/messages", { body });
      expect([noToken.status, noToken.body.error?.code]).to.deep.equal([401, "missing_token"]);
      const basic = await fetch(`${server.url}/api/me`, { headers: { authorization: "Basic abc" } });
      expect(((await basic.json()) as Answer["body"]).error?.code).to.equal("invalid_token");
      const [header, payload] = teacher.split(".");
      const forged = await call("GET", "/api/me", { token: `${header}.${payload}.AAAA` });
      expect([forged.status, forged.body.error?.code]).to.deep.equal([401, "invalid_token"]);
      const expired = await call("GET", "/api/me", { token: await expiredToken("s001") });
      expect([expired.status, expired.body.error?.code]).to.deep.equal([401, "token_expired"]);
    });

    it("unknown routes -> 404 and wrong methods -> 405, as JSON", async () => {
      expect((await call("GET", "/api/nothing")).body.error?.code).to.equal("not_found");
      const wrongMethod = await call("DELETE", "/api/messages", { token: teacher });
      expect([wrongMethod.status, wrongMethod.body.error?.code]).to.deep.equal([405, "method_not_allowed"]);
    });

    it("the typed client surfaces errors as RestError", async () => {
      const error = await new RingcastRest(server.url).login("t-ada", "nope").catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RestError).and.include({ status: 401, code: "invalid_credentials" });
    });
  });
});
