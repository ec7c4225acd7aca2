import type { RedisClient } from "../redis/connect.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { AccountBlock, ClassSummary, Role, SchoolClass, SchoolStore, User, UserRecord } from "./school.ts";

/** SchoolStore on Redis hashes and sets (see redis/keys.ts for the layout). */
export class RedisSchoolStore implements SchoolStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  saveUser(user: UserRecord): Promise<void> {
    return this.run(async () => {
      await this.redis.hset(this.keys.user(user.id), {
        id: user.id,
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
      });
    });
  }

  saveClass(c: SchoolClass): Promise<void> {
    return this.run(async () => {
      const tx = this.redis.multi();
      tx.hset(this.keys.classInfo(c.id), { id: c.id, name: c.name, teacherId: c.teacherId });
      tx.del(this.keys.classStudents(c.id));
      if (c.studentIds.length > 0) tx.sadd(this.keys.classStudents(c.id), ...c.studentIds);
      for (const member of [c.teacherId, ...c.studentIds]) tx.sadd(this.keys.userClasses(member), c.id);
      await tx.exec();
    });
  }

  getUser(id: string): Promise<User | undefined> {
    return this.run(async () => {
      const [name, role] = await this.redis.hmget(this.keys.user(id), "name", "role");
      if (name == null || (role !== "teacher" && role !== "student")) return undefined;
      return { id, name, role: role as Role };
    });
  }

  getPasswordHash(id: string): Promise<string | undefined> {
    return this.run(async () => (await this.redis.hget(this.keys.user(id), "passwordHash")) ?? undefined);
  }

  getClass(id: string): Promise<SchoolClass | undefined> {
    return this.run(async () => {
      const [info, studentIds] = await Promise.all([
        this.redis.hgetall(this.keys.classInfo(id)),
        this.redis.smembers(this.keys.classStudents(id)),
      ]);
      if (!info.teacherId || !info.name) return undefined;
      return { id, name: info.name, teacherId: info.teacherId, studentIds: studentIds.sort() };
    });
  }

  classIdsOf(userId: string): Promise<string[]> {
    return this.run(async () => (await this.redis.smembers(this.keys.userClasses(userId))).sort());
  }

  async classesOf(userId: string): Promise<ClassSummary[]> {
    const ids = await this.classIdsOf(userId);
    return this.run(async () => {
      const pipeline = this.redis.pipeline();
      for (const id of ids) {
        pipeline.hmget(this.keys.classInfo(id), "name", "teacherId");
        pipeline.scard(this.keys.classStudents(id));
      }
      const replies = (await pipeline.exec()) ?? [];
      return ids.map((id, i) => {
        const [name, teacherId] = (replies[2 * i]?.[1] ?? []) as [string, string];
        const studentCount = replies[2 * i + 1]?.[1] as number;
        return { id, name, teacherId, studentCount };
      });
    });
  }

  shareAClass(userA: string, userB: string): Promise<boolean> {
    return this.run(async () => {
      const common = await this.redis.sintercard(2, this.keys.userClasses(userA), this.keys.userClasses(userB), "LIMIT", 1);
      return common > 0;
    });
  }

  claimOnce(job: string): Promise<boolean> {
    return this.run(async () => (await this.redis.set(this.keys.claim(job), new Date().toISOString(), "NX")) === "OK");
  }

  disableUser(id: string): Promise<boolean> {
    return this.run(async () => {
      if ((await this.redis.exists(this.keys.user(id))) === 0) return false;
      await this.redis.set(this.keys.userBlock(id), "disabled" satisfies AccountBlock);
      return true;
    });
  }

  enableUser(id: string): Promise<boolean> {
    return this.run(async () => (await this.redis.del(this.keys.userBlock(id))) === 1);
  }

  deleteUser(id: string): Promise<boolean> {
    return this.run(async () => {
      if ((await this.redis.exists(this.keys.user(id))) === 0) return false;
      const classIds = await this.redis.smembers(this.keys.userClasses(id));
      // Blocked first and in the same transaction: no moment where the user is gone but its tokens pass.
      const tx = this.redis.multi();
      tx.set(this.keys.userBlock(id), "deleted" satisfies AccountBlock);
      for (const classId of classIds) tx.srem(this.keys.classStudents(classId), id);
      tx.del(this.keys.user(id), this.keys.userClasses(id));
      await tx.exec();
      return true;
    });
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return guarded(this.redis, "the school directory", operation);
  }
}
