import type { IncomingMessage } from "node:http";
import { tokenFromRequest } from "../auth/request-token.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { MembershipWatcher } from "../registry/registry.ts";
import type { RingView } from "../ring/ring-view.ts";
import type { SessionTable } from "./session-table.ts";

/** Where one request should go, and whether it opens an Engine.IO session worth remembering. */
export interface Target {
  url: string;
  /** A polling handshake: its answer carries the new sid. */
  opensSession: boolean;
}

const ENGINE_PATH = "/socket.io/";

/**
 * The gateway's routing decision. A request of a known Engine.IO session goes to the member
 * holding it. A new Socket.IO connection goes, in hash mode, to the ring owner of the user named
 * by its verified token (an unverifiable token goes anywhere: the member refuses it clearly); in
 * broadcast mode round-robin. Everything else (REST) goes round-robin.
 */
export class TargetPicker {
  /** Separate rotations: a shared one would put every handshake that follows a login on one member. */
  private readonly rotation = { rest: 0, socket: 0 };

  constructor(
    private readonly membership: MembershipWatcher,
    private readonly ring: RingView | undefined,
    private readonly tokens: TokenService,
    private readonly sessions: SessionTable,
  ) {}

  async pick(req: IncomingMessage): Promise<Target | undefined> {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (!url.pathname.startsWith(ENGINE_PATH)) return this.anyMember("rest", false);
    const sid = url.searchParams.get("sid");
    const held = sid ? this.sessions.lookup(sid) : undefined;
    if (held) return { url: held, opensSession: false };
    const opensSession = !sid && url.searchParams.get("transport") === "polling";
    const owner = this.ring ? await this.ownerOf(req) : undefined;
    return owner ? { url: owner, opensSession } : this.anyMember("socket", opensSession);
  }

  private async ownerOf(req: IncomingMessage): Promise<string | undefined> {
    try {
      const { userId } = await this.tokens.verify(tokenFromRequest(req));
      return this.ring?.ownerUrl(userId)?.url;
    } catch {
      return undefined;
    }
  }

  private anyMember(kind: keyof TargetPicker["rotation"], opensSession: boolean): Target | undefined {
    const members = this.membership.current()?.members.filter((m) => m.url) ?? [];
    if (members.length === 0) return undefined;
    const member = members[this.rotation[kind]++ % members.length]!;
    return { url: member.url, opensSession };
  }
}
