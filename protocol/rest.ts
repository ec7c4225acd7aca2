/** REST request and response bodies that are not messages, classes or the cluster (see those files). */
import type { Message } from "./message.ts";
import type { ClassSummary, User } from "./school.ts";

/** Body of POST /api/login. */
export interface LoginRequest {
  userId: string;
  password: string;
}

/** 200 of POST /api/login. */
export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

/** GET /api/me. */
export type Me = User & { classIds: string[] };

/** GET /api/classes. */
export interface ClassList {
  classes: ClassSummary[];
}

/** Query of GET /api/messages. */
export interface HistoryQuery {
  /** A message id: the page ends before it. Default: the newest page. */
  before?: string;
  /** 1 to 100; default 50. */
  limit?: number;
}

/** A page of GET /api/messages: oldest first; `before` fetches the next older page. */
export interface HistoryPage {
  messages: Message[];
  before: string | null;
  /** On the first page: the id a live session resumes after (so nothing is shown twice or missed). */
  lastMessageId?: string;
}
