import { expect } from "chai";
import { sendRequestSchema, targetOf } from "../../server/messaging/message.ts";
import { buildDemoSchool } from "../../server/school/demo-school.ts";
import { parseInput } from "../../server/validation.ts";
import { RingcastError } from "../../server/errors.ts";

const schema = sendRequestSchema(20);

function fieldsRefused(input: unknown): string[] {
  try {
    parseInput(schema, input, "message");
  } catch (err) {
    expect(err).to.be.instanceOf(RingcastError);
    return ((err as RingcastError).details as { field: string }[]).map((d) => d.field);
  }
  throw new Error("input was accepted");
}

describe("send request parsing", () => {
  it("accepts a direct and a class message and trims the body", () => {
    const direct = parseInput(schema, { to: { user: "s001" }, body: "  hi  " }, "message");
    expect(direct.body).to.equal("hi");
    expect(targetOf(direct)).to.deep.equal({ type: "user", id: "s001" });
    expect(targetOf(parseInput(schema, { to: { class: "math-7a" }, body: "x" }, "message"))).to.deep.equal({
      type: "class",
      id: "math-7a",
    });
  });

  it("names the offending field", () => {
    expect(fieldsRefused({ to: { user: "s001" } })).to.deep.equal(["body"]);
    expect(fieldsRefused({ to: { user: "s001" }, body: "x".repeat(21) })).to.deep.equal(["body"]);
    expect(fieldsRefused({ to: { user: "s001" }, body: "x", extra: 1 })).to.deep.equal(["extra"]);
    expect(fieldsRefused({ to: { team: "x" }, body: "x" })).to.deep.equal(["to"]);
    expect(fieldsRefused({ to: { user: "" }, body: "x" })).to.include("to.user");
    expect(fieldsRefused(null)).to.deep.equal(["(body)"]);
  });
});

describe("demo school", () => {
  const school = buildDemoSchool();

  it("has teachers, students with unique ids, and classes of 30 that reference existing users", () => {
    const ids = new Set(school.users.map((u) => u.id));
    expect(ids.size).to.equal(school.users.length);
    expect(school.users.filter((u) => u.role === "teacher")).to.have.length(3);
    for (const c of school.classes) {
      expect(c.studentIds, c.id).to.have.length(30);
      expect(ids.has(c.teacherId), c.teacherId).to.equal(true);
      expect(c.studentIds.every((s) => ids.has(s))).to.equal(true);
    }
  });
});
