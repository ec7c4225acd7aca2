/** Users, roles and classes: who may talk to whom. */
import type { ClassSummary, User } from "../../protocol/school.ts";

// As the API shows them (protocol/school.ts).
export type { ClassSummary, Role, User } from "../../protocol/school.ts";

export interface UserRecord extends User {
  /** scrypt hash from auth/passwords.ts; never the password. */
  passwordHash: string;
}

export interface SchoolClass {
  id: string;
  name: string;
  teacherId: string;
  studentIds: string[];
}

/** Why every token of a user is refused: an administrator disabled or deleted the account. */
export type AccountBlock = "disabled" | "deleted";

/** Storage of the school. Implementations throw UnavailableError when their backend is away. */
export interface SchoolStore {
  saveUser(user: UserRecord): Promise<void>;
  /** Saves a class and links its teacher and students to it (they must exist). */
  saveClass(schoolClass: SchoolClass): Promise<void>;
  getUser(id: string): Promise<User | undefined>;
  getPasswordHash(id: string): Promise<string | undefined>;
  getClass(id: string): Promise<SchoolClass | undefined>;
  /** Ids of the classes a user teaches or attends. */
  classIdsOf(userId: string): Promise<string[]>;
  classesOf(userId: string): Promise<ClassSummary[]>;
  /** True when both users teach or attend at least one common class. */
  shareAClass(userA: string, userB: string): Promise<boolean>;
  /** Atomically claims a one-time job (like seeding); false when somebody already did. */
  claimOnce(job: string): Promise<boolean>;
  /** Refuses the user's tokens from now on (they keep their data); false when there is no such user. */
  disableUser(id: string): Promise<boolean>;
  /** Lifts a disable (or the block a deleted id keeps, so the id can be used again). */
  enableUser(id: string): Promise<boolean>;
  /**
   * Removes the user, its password and its class memberships (no class message reaches it any
   * more); its id stays blocked so tokens issued before are refused. False when there is no such user.
   */
  deleteUser(id: string): Promise<boolean>;
}

/** Ids are short, URL-safe and case-sensitive. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
