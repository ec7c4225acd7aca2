import type Router from "@koa/router";
import type { Middleware } from "koa";
import type { ClassDetail, ClassList } from "../../../protocol/index.ts";
import { RingcastError } from "../../errors.ts";
import { ID_PATTERN } from "../../school/school.ts";
import type { AppDeps } from "../app.ts";
import { claimsOf } from "../auth.ts";

/** GET /api/classes (the caller's) and GET /api/classes/:id (with its roster, for its members). */
export function schoolRoutes(router: Router, deps: Pick<AppDeps, "school">, auth: Middleware): void {
  router.get("/api/classes", auth, async (ctx) => {
    ctx.body = { classes: await deps.school.classesOf(claimsOf(ctx).userId) } satisfies ClassList;
  });

  router.get("/api/classes/:id", auth, async (ctx) => {
    const id = ctx.params.id ?? "";
    const { userId } = claimsOf(ctx);
    const schoolClass = ID_PATTERN.test(id) ? await deps.school.getClass(id) : undefined;
    if (!schoolClass) throw new RingcastError("not_found", `no class '${id}'`);
    if (schoolClass.teacherId !== userId && !schoolClass.studentIds.includes(userId)) {
      throw new RingcastError("forbidden", `you are not in class '${id}'`);
    }
    const people = await Promise.all(
      [schoolClass.teacherId, ...schoolClass.studentIds].map((memberId) => deps.school.getUser(memberId)),
    );
    const [teacher, ...students] = people;
    ctx.body = {
      id: schoolClass.id,
      name: schoolClass.name,
      teacher,
      students: students.filter((s) => s !== undefined),
    } satisfies ClassDetail;
  });
}
