/**
 * A typed client for ringcast's REST API (browsers and Node 18+: uses fetch).
 *
 *   const api = new RingcastRest("http://127.0.0.1:3000");
 *   const session = await api.login("t-ada", "ringcast-demo");
 *   const receipt = await api.send(session.token, { to: { class: "math-7a" }, body: "Test on Friday" });
 */
import type {
  ClassDetail,
  ClassList,
  ClassSummary,
  ClusterView,
  ErrorResponse,
  HistoryPage,
  HistoryQuery,
  LoginRequest,
  Me,
  MessageStatus,
  Route,
  SendReceipt,
  SendRequest,
  Session,
} from "../protocol/index.ts";

// The bodies are the protocol's: re-exported so `ringcast/client` users need one import.
export type {
  ClassDetail,
  ClassSummary,
  ClusterMember,
  ClusterView,
  HistoryPage,
  MessageStatus,
  Route,
  SendReceipt,
  SendRequest,
  Session,
  User,
} from "../protocol/index.ts";

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
    const body: LoginRequest = { userId, password };
    return this.request("POST", "/api/login", undefined, body);
  }

  /** Revokes `token` (until it would have expired) and closes the connections that use it. */
  async logout(token: string): Promise<void> {
    await this.request("POST", "/api/logout", token);
  }

  me(token: string): Promise<Me> {
    return this.request("GET", "/api/me", token);
  }

  async classes(token: string): Promise<ClassSummary[]> {
    return (await this.request<ClassList>("GET", "/api/classes", token)).classes;
  }

  /** A class with its teacher and students (for its teacher and students). */
  classDetail(token: string, classId: string): Promise<ClassDetail> {
    return this.request("GET", `/api/classes/${encodeURIComponent(classId)}`, token);
  }

  send(token: string, message: SendRequest): Promise<SendReceipt> {
    return this.request("POST", "/api/messages", token, message);
  }

  /** Your messages, newest page first (each page oldest first). */
  history(token: string, page: HistoryQuery = {}): Promise<HistoryPage> {
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
    const payload = (await response.json().catch(() => ({}))) as Partial<ErrorResponse>;
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
