import { expect } from "chai";
import { CachedSchoolReads, type SendReads } from "../../server/school/cached-school-reads.ts";
import type { SchoolClass, User } from "../../server/school/school.ts";

/** A school in memory that counts its reads. */
function countingSchool(): SendReads & { reads: string[]; classes: Map<string, SchoolClass> } {
  const classes = new Map<string, SchoolClass>([["c1", { id: "c1", name: "One", teacherId: "t1", studentIds: ["s1", "s2"] }]]);
  const reads: string[] = [];
  return {
    reads,
    classes,
    getUser: async (id) => {
      reads.push(`user:${id}`);
      return { id, name: id, role: id.startsWith("t") ? "teacher" : "student" } satisfies User;
    },
    getClass: async (id) => {
      reads.push(`class:${id}`);
      return classes.get(id);
    },
    shareAClass: async (a, b) => {
      reads.push(`shared:${a}:${b}`);
      return true;
    },
  };
}

describe("cached school reads", () => {
  it("reuses a read within its time to live", async () => {
    const school = countingSchool();
    const cached = new CachedSchoolReads(school, { ttlMs: 60_000 });
    await cached.getClass("c1");
    await cached.getClass("c1");
    await cached.shareAClass("s2", "s1");
    await cached.shareAClass("s1", "s2");
    expect(school.reads).to.deep.equal(["class:c1", "shared:s1:s2"]);
  });

  it("forgets a user whose account ended: its record, its pairs and every class, and nothing else", async () => {
    const school = countingSchool();
    const cached = new CachedSchoolReads(school, { ttlMs: 60_000 });
    await Promise.all([cached.getUser("s2"), cached.getUser("s1"), cached.getClass("c1"), cached.shareAClass("s1", "s2"), cached.shareAClass("s1", "s3")]);
    school.classes.set("c1", { id: "c1", name: "One", teacherId: "t1", studentIds: ["s1"] });
    cached.forgetUser("s2");
    school.reads.length = 0;
    expect((await cached.getClass("c1"))?.studentIds).to.deep.equal(["s1"]);
    await Promise.all([cached.getUser("s2"), cached.getUser("s1"), cached.shareAClass("s1", "s2"), cached.shareAClass("s1", "s3")]);
    expect(school.reads).to.deep.equal(["class:c1", "user:s2", "shared:s1:s2"]);
  });
});
