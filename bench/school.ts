import type { DemoSchool } from "../server/school/demo-school.ts";
import { buildLargeSchool } from "../test/support/redis.ts";
import type { Conversation } from "./load/protocol.ts";

/** Classes of 30, and last a "big room": one class with every student, taught by its own teacher. */
export function benchSchool(classes: number): DemoSchool {
  const school = buildLargeSchool(classes);
  const everyone = school.users.filter((u) => u.role === "student").map((u) => u.id);
  school.users.push({ id: "t-all", name: "Head teacher", role: "teacher" });
  school.classes.push({ id: "everyone", name: "Everyone", teacherId: "t-all", studentIds: everyone });
  return school;
}

/**
 * The direct conversations the unicast scenarios send on: in each class (not the big room),
 * classmates paired off (1st and 2nd, 3rd and 4th, ...), `perClass` one-way conversations per
 * class, both ways of a pair first. A fixed, small set (not every pair of classmates, 56,550 of
 * them with 65 classes) so that each of them can be filled to its retention cap beforehand, as
 * the busy conversations of a running school are.
 */
export function directConversations(school: DemoSchool, perClass: number): Conversation[] {
  const conversations: Conversation[] = [];
  for (const { studentIds } of school.classes.filter((c) => c.id !== "everyone")) {
    const count = Math.min(perClass, studentIds.length - (studentIds.length % 2));
    for (let j = 0; j < count; j++) {
      const [a, b] = [studentIds[j - (j % 2)]!, studentIds[j - (j % 2) + 1]!];
      conversations.push(j % 2 === 0 ? { from: a, to: b } : { from: b, to: a });
    }
  }
  return conversations;
}
