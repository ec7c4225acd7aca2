import type { RedisClient } from "../redis/connect.ts";
import { guarded } from "../redis/guard.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { type LogGroups, singleGroup, splitByGroup } from "../redis/log-groups.ts";
import type { AccountBlock, ClassSummary, Role, SchoolClass, SchoolStore, User, UserRecord } from "./school.ts";

/**
 * SchoolStore on Redis hashes and sets (see redis/keys.ts for the layout). A user's set of classes
 * lives in its log group (the message log's read script needs it there); the rest under the
 * deployment's keys.
 */
export class RedisSchoolStore implements SchoolStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly groups: LogGroups = singleGroup(keys),
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
      // One transaction per slot: the class, then each log group's class sets (one group: all in one).
      const tx = this.redis.multi();
      tx.hset(this.keys.classInfo(c.id), { id: c.id, name: c.name, teacherId: c.teacherId });
      tx.del(this.keys.classStudents(c.id));
      if (c.studentIds.length > 0) tx.sadd(this.keys.classStudents(c.id), ...c.studentIds);
      const byGroup = splitByGroup(this.groups, [c.teacherId, ...c.studentIds]);
      if (this.groups.count === 1) {
        for (const member of byGroup.get(0) ?? []) tx.sadd(this.keys.userClasses(member), c.id);
        await tx.exec();
        return;
      }
      await tx.exec();
      await Promise.all(
        [...byGroup].map(([group, members]) => {
          const groupTx = this.redis.multi();
          for (const member of members) groupTx.sadd(this.groups.keys(group).userClasses(member), c.id);
          return groupTx.exec();
        }),
      );
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
    return this.run(async () => (await this.redis.smembers(this.classesKey(userId))).sort());
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
      const [a, b] = [this.classesKey(userA), this.classesKey(userB)];
      if (this.groups.of(userA) === this.groups.of(userB)) return (await this.redis.sintercard(2, a, b, "LIMIT", 1)) > 0;
      // Two log groups, two slots: intersected here.
      const [classesA, classesB] = await Promise.all([this.redis.smembers(a), this.redis.smembers(b)]);
      return classesA.some((id) => classesB.includes(id));
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
      const classIds = await this.redis.smembers(this.classesKey(id));
      // Blocked first and in the same transaction: no moment where the user is gone but its tokens pass.
      const tx = this.redis.multi();
      tx.set(this.keys.userBlock(id), "deleted" satisfies AccountBlock);
      for (const classId of classIds) tx.srem(this.keys.classStudents(classId), id);
      tx.del(this.keys.user(id));
      if (this.groups.count === 1) tx.del(this.classesKey(id));
      await tx.exec();
      if (this.groups.count > 1) await this.redis.del(this.classesKey(id));
      return true;
    });
  }

  private classesKey(userId: string): string {
    return this.groups.keysOf(userId).userClasses(userId);
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return guarded(this.redis, "the school directory", operation);
  }
}
