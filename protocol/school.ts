/** Users, roles and classes as the API shows them. */
export type Role = "teacher" | "student";

export interface User {
  id: string;
  name: string;
  role: Role;
}

/** An item of GET /api/classes. */
export interface ClassSummary {
  id: string;
  name: string;
  teacherId: string;
  studentCount: number;
}

/** GET /api/classes/:id: a class with its teacher and students (for its teacher and students). */
export interface ClassDetail {
  id: string;
  name: string;
  /** Absent when the teacher's account was deleted (the class keeps its id). */
  teacher?: User;
  students: User[];
}
