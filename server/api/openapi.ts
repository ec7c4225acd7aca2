import { type ZodType, z } from "zod";
import { historyQuerySchema, loginSchema, sendRequestSchema } from "./request-schemas.ts";

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

/** A zod schema as OpenAPI 3.1 (JSON Schema 2020-12) wants it: the input side, no $schema. */
function fromZod(schema: ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const object = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({ type: "object", properties, required });
const text = { type: "string" };
const id = { type: "string", description: "message id, <ms>-<seq>", pattern: "^\\d{1,15}-\\d{1,15}$" };
const user = object({ id: text, name: text, role: { enum: ["teacher", "student"] } });
const target = object({ type: { enum: ["user", "class"] }, id: text });

/** Response bodies, by name. */
const RESPONSES: Record<string, JsonSchema> = {
  Error: object({ error: object({ code: text, message: text, details: {}, retryAfterMs: { type: "integer" } }, ["code", "message"]) }),
  Session: object({ token: text, expiresAt: { type: "string", format: "date-time" }, user }),
  Me: object({ ...(user.properties as Record<string, JsonSchema>), classIds: { type: "array", items: text } }),
  Classes: object({ classes: { type: "array", items: object({ id: text, name: text, teacherId: text, studentCount: { type: "integer" } }) } }),
  ClassDetail: object({ id: text, name: text, teacher: user, students: { type: "array", items: user } }),
  Message: object({ id, from: object({ id: text, name: text }), to: target, body: text, sentAt: { type: "string", format: "date-time" } }),
  Receipt: object({ id, to: target, recipients: { type: "integer" }, sentAt: text, receipts: { type: "array", items: object({ userId: text, status: { enum: ["live", "stored"] } }) } }),
  History: object({ messages: { type: "array", items: ref("Message") }, before: { type: ["string", "null"] }, lastMessageId: id }, ["messages", "before"]),
  Status: object({ id, senderId: text, to: target, sentAt: text, recipients: { type: "array", items: object({ userId: text, status: { enum: ["delivered", "stored", "expired"] } }) } }),
  Cluster: object({ mode: { enum: ["broadcast", "hash"] }, epoch: { type: "integer" }, self: text, members: { type: "array", items: { type: "object" } }, totalSockets: { type: "integer" } }),
  Route: object({ userId: text, mode: { enum: ["broadcast", "hash"] }, epoch: { type: "integer" }, member: object({ id: text, url: text }) }, ["userId", "mode", "member"]),
  Health: object({ status: text }),
  Ready: object({ status: { enum: ["ready", "unavailable"] }, redis: { enum: ["up", "down"] }, reason: text }, ["status", "redis"]),
};

const json = (schema: JsonSchema) => ({ content: { "application/json": { schema } } });
const answer = (status: string, description: string, body?: string) => ({ [status]: { description, ...(body ? json(ref(body)) : {}) } });
const failures = (...codes: string[]) => Object.fromEntries(codes.map((code) => [code, { description: FAILURE[code] ?? "refused", ...json(ref("Error")) }]));
const FAILURE: Record<string, string> = {
  "400": "invalid input (the message names each field)",
  "401": "missing, invalid, expired or revoked token",
  "403": "not allowed",
  "404": "not found",
  "429": "rate limited (Retry-After)",
  "503": "Redis unreachable or its data lost (Retry-After)",
};
const user401 = [{ bearer: [] }];

function op(summary: string, responses: Record<string, unknown>, extra: Operation = {}): Operation {
  return { summary, responses, ...extra };
}

/** The REST API as an OpenAPI 3.1 document (served at GET /api/openapi.json). */
export function openApiDocument(options: { maxMessageChars: number }): Record<string, unknown> {
  const history = fromZod(historyQuerySchema) as { properties: Record<string, JsonSchema> };
  const query = Object.entries(history.properties).map(([name, schema]) => ({ name, in: "query", required: false, schema }));
  const messageId = [{ name: "id", in: "path", required: true, schema: id }];
  return {
    openapi: "3.1.0",
    info: { title: "ringcast REST API", version: "0.1.0", description: "Errors are { error: { code, message } } with the status listed." },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "a token from POST /api/login; the operator token for operator routes" } },
      schemas: { ...RESPONSES, LoginRequest: fromZod(loginSchema), SendRequest: fromZod(sendRequestSchema(options.maxMessageChars)) },
    },
    paths: {
      "/api/login": { post: op("Sign in: credentials for a token", { ...answer("200", "signed in", "Session"), ...failures("400", "401", "403", "429", "503") }, { requestBody: { required: true, ...json(ref("LoginRequest")) } }) },
      "/api/logout": { post: op("Revoke this token and close its sockets", { ...answer("204", "revoked"), ...failures("401", "503") }, { security: user401 }) },
      "/api/me": { get: op("The signed-in user and its classes", { ...answer("200", "the user", "Me"), ...failures("401", "503") }, { security: user401 }) },
      "/api/classes": { get: op("Classes you teach or attend", { ...answer("200", "classes", "Classes"), ...failures("401", "503") }, { security: user401 }) },
      "/api/classes/{id}": {
        get: op("A class with its teacher and students", { ...answer("200", "the class", "ClassDetail"), ...failures("401", "403", "404", "503") }, { security: user401, parameters: [{ name: "id", in: "path", required: true, schema: text }] }),
      },
      "/api/messages": {
        post: op("Send to a user or a class (stored before the answer)", { ...answer("201", "stored and sent", "Receipt"), ...failures("400", "401", "403", "404", "429", "503") }, { security: user401, requestBody: { required: true, ...json(ref("SendRequest")) } }),
        get: op("Your messages, newest page first", { ...answer("200", "a page", "History"), ...failures("400", "401", "503") }, { security: user401, parameters: query }),
      },
      "/api/messages/{id}": { get: op("A message's delivery per recipient, for its sender", { ...answer("200", "the status", "Status"), ...failures("400", "401", "403", "404", "503") }, { security: user401, parameters: messageId }) },
      "/api/cluster": { get: op("Members, ring shares, sockets and counters (operators)", { ...answer("200", "the cluster", "Cluster"), ...failures("401", "403") }, { security: user401 }) },
      "/api/route": { get: op("The member to connect to directly", { ...answer("200", "the member", "Route"), ...failures("401", "503") }, { security: user401 }) },
      "/api/openapi.json": { get: op("This document", { "200": { description: "OpenAPI 3.1", ...json({ type: "object" }) } }) },
      "/healthz": { get: op("Liveness", answer("200", "the process serves", "Health")) },
      "/readyz": { get: op("Readiness: Redis reachable and holding this member's data", { ...answer("200", "ready", "Ready"), ...answer("503", "not ready", "Ready") }) },
      "/metrics": { get: op("Prometheus metrics (operators)", { "200": { description: "Prometheus text format", content: { "text/plain": { schema: text } } }, ...failures("401", "403") }, { security: user401 }) },
    },
  };
}
