/**
 * A typed client for ringcast's REST API (browsers and Node 18+: uses fetch).
 *
 *   const api = new RingcastRest("http://127.0.0.1:3000");
 *   const session = await api.login("t-ada", "ringcast-demo");
 *   const receipt = await api.send(session.token, { to: { class: "math-7a" }, body: "Test on Friday" });
 */
import type { Message } from "./client-types.ts";

export interface User {
  id: string;
  name: string;
  role: "teacher" | "student";
}

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

export type SendRequest = { to: { user: string } | { class: string }; body: string };

export interface SendReceipt {
  /** The message id; clients resume from the last id they saw (`auth: { lastMessageId }`). */
  id: string;
  to: { type: "user" | "class"; id: string };
  recipients: number;
  sentAt: string;
  /** Per recipient: "live" (a socket was connected; delivery under way) or "stored" (replayed on return). */
  receipts: { userId: string; status: "live" | "stored" }[];
}

export interface MessageStatus {
  id: string;
  senderId: string;
  to: { type: "user" | "class"; id: string };
  sentAt: string;
  recipients: { userId: string; status: "delivered" | "stored" | "expired" }[];
}

/** A page of GET /api/messages: oldest first; `before` fetches the next older page. */
export interface HistoryPage {
  messages: Message[];
  before: string | null;
  /** On the first page: the id a live session resumes after (so nothing is shown twice or missed). */
  lastMessageId?: string;
}

export interface ClassSummary {
  id: string;
  name: string;
  teacherId: string;
  studentCount: number;
}

export interface ClassDetail {
  id: string;
  name: string;
  teacher: User;
  students: User[];
}

export interface ClusterMember {
  id: string;
  url: string;
  mode: string;
  sockets: number;
  startedAt: string;
  lastHeartbeatAt: string;
  /** Broadcasts received from other members, how many reached a local socket, how many published. */
  adapter?: { received: number; deliveredLocally: number; published: number };
  /** Share of the hash ring (hash mode). */
  ringShare?: number;
  /** Messages the member accepted and delivered, and refusals by error code, since it started (as of its heartbeat). */
  messages?: { sent: number; delivered: number; refused: Record<string, number> };
}

export interface ClusterView {
  mode: "broadcast" | "hash";
  /** Membership epoch (in hash mode, the ring's): bumped by every membership change. */
  epoch: number;
  self: string;
  members: ClusterMember[];
  totalSockets: number;
}

export interface Route {
  userId: string;
  mode: "broadcast" | "hash";
  /** Hash mode: the ring epoch of this answer (broadcast mode has no ring). */
  epoch?: number;
  member: { id: string; url: string };
}

/** A refused request: `status` is the HTTP status, `code` ringcast's error code. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "RestError";
  }
}

export class RingcastRest {
  constructor(private readonly baseUrl: string) {}

  login(userId: string, password: string): Promise<Session> {
    return this.request("POST", "/api/login", undefined, { userId, password });
  }

  /** Revokes `token` (until it would have expired) and closes the connections that use it. */
  async logout(token: string): Promise<void> {
    await this.request("POST", "/api/logout", token);
  }

  me(token: string): Promise<User & { classIds: string[] }> {
    return this.request("GET", "/api/me", token);
  }

  async classes(token: string): Promise<ClassSummary[]> {
    return (await this.request<{ classes: ClassSummary[] }>("GET", "/api/classes", token)).classes;
  }

  /** A class with its teacher and students (for its teacher and students). */
  classDetail(token: string, classId: string): Promise<ClassDetail> {
    return this.request("GET", `/api/classes/${encodeURIComponent(classId)}`, token);
  }

  send(token: string, message: SendRequest): Promise<SendReceipt> {
    return this.request("POST", "/api/messages", token, message);
  }

  /** Your messages, newest page first (each page oldest first). */
  history(token: string, page: { before?: string; limit?: number } = {}): Promise<HistoryPage> {
    const query = new URLSearchParams();
    if (page.before) query.set("before", page.before);
    if (page.limit) query.set("limit", String(page.limit));
    const search = query.size > 0 ? `?${query}` : "";
    return this.request("GET", `/api/messages${search}`, token);
  }

  /** Which recipients a message you sent has reached. */
  status(token: string, messageId: string): Promise<MessageStatus> {
    return this.request("GET", `/api/messages/${encodeURIComponent(messageId)}`, token);
  }

  cluster(token: string): Promise<ClusterView> {
    return this.request("GET", "/api/cluster", token);
  }

  /** Which member URL to connect to directly (for deployments without a gateway). */
  route(token: string): Promise<Route> {
    return this.request("GET", "/api/route", token);
  }

  private async request<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    if (!response.ok) {
      const retryAfter = Number(response.headers.get("retry-after")) || undefined;
      throw new RestError(
        response.status,
        payload.error?.code ?? "http_error",
        payload.error?.message ?? response.statusText,
        retryAfter,
      );
    }
    return payload as T;
  }
}
