import { DEFAULT_SCRYPT_COST, hashPassword, type ScryptCost } from "../auth/passwords.ts";
import type { Logger } from "../log.ts";
import type { SchoolClass, SchoolStore, User } from "./school.ts";

/** A small school to try ringcast with: 3 teachers, 4 classes of 30, 60 students. */
export interface DemoSchool {
  users: User[];
  classes: SchoolClass[];
}

const FIRST_NAMES = [
  "Amara", "Ben", "Chloe", "Dev", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas",
  "Kira", "Luca", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara",
];
const SURNAMES = ["Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad"];

function studentId(n: number): string {
  return `s${String(n).padStart(3, "0")}`;
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => studentId(from + i));
}

export function buildDemoSchool(): DemoSchool {
  const teachers: User[] = [
    { id: "t-ada", name: "Ada Lovelace", role: "teacher" },
    { id: "t-grace", name: "Grace Hopper", role: "teacher" },
    { id: "t-alan", name: "Alan Turing", role: "teacher" },
  ];
  const students: User[] = Array.from({ length: 60 }, (_, i) => ({
    id: studentId(i + 1),
    name: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${SURNAMES[Math.floor(i / FIRST_NAMES.length) % SURNAMES.length]}`,
    role: "student" as const,
  }));
  const grade7 = range(1, 30);
  const grade8 = range(31, 60);
  const classes: SchoolClass[] = [
    { id: "math-7a", name: "Mathematics 7A", teacherId: "t-ada", studentIds: grade7 },
    { id: "physics-7a", name: "Physics 7A", teacherId: "t-grace", studentIds: grade7 },
    { id: "math-8b", name: "Mathematics 8B", teacherId: "t-ada", studentIds: grade8 },
    { id: "cs-8b", name: "Computer Science 8B", teacherId: "t-alan", studentIds: grade8 },
  ];
  return { users: [...teachers, ...students], classes };
}

/** Writes a school; every user gets `password`, each with its own salt. */
export async function loadSchool(
  store: SchoolStore,
  school: DemoSchool,
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<void> {
  await Promise.all(
    school.users.map(async (user) => store.saveUser({ ...user, passwordHash: await hashPassword(password, cost) })),
  );
  for (const schoolClass of school.classes) await store.saveClass(schoolClass);
}

/** Loads the demo school once per Redis prefix, however many members start with seeding on. */
export async function seedDemoSchoolOnce(store: SchoolStore, password: string, log: Logger): Promise<void> {
  if (!(await store.claimOnce("demo-school"))) return;
  const school = buildDemoSchool();
  await loadSchool(store, school, password);
  log.info({ users: school.users.length, classes: school.classes.length }, "demo school loaded");
}
