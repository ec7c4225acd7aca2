
import { RedisBus } from "../bus/redis-bus.ts";
import { OwnerRoutes } from "../realtime/notice-routes.ts";
import { ownershipCheck, ownershipGate } from "../realtime/ownership.ts";
import { Rebalancer } from "../realtime/rebalancer.ts";
import { RingCatchUp } from "../realtime/ring-catch-up.ts";
import { RingLocator } from "../ring/member-locator.ts";
import type { ClusterMode, ModeParts, Service } from "./cluster-mode.ts";
import { Handoff, type HandoffTimings } from "./handoff.ts";
import { hashTransport } from "./hash-transport.ts";

export interface HashModeOptions extends Omit<ModeParts, "self"> {
  /** This member's id: its place on the ring and the name of its channels. */
  memberId: string;
  virtualNodes: number;
  handoff: HandoffTimings;
  rebalance: { strategy: "moved" | "all"; batchSize: number; intervalMs: number };
  /** Direct member-to-member links, signed with this secret; undefined: everything through Redis. */
  peerSecret: string | undefined;
  drainDelayMs: number;
}

/**
 * Hash mode: the ring maps each user to its owner; a member takes sessions of its own users only,
 * a message's notice goes to the members the handoff names for each recipient, and a join moves
 * only the users whose owner changed.
 */
export function hashMode(options: HashModeOptions): ClusterMode {
  const { memberId, keys, stats, log } = options;
  // One answer to "who may hold user X" for the product's notices and the adapter's emits alike.
  const holders = (userId: string): readonly string[] => handoff.holders(userId);
  const { ring, peers, adapter } = hashTransport({ ...options, key: keys.adapterKey, holdersOf: holders });
  const handoff = new Handoff(ring, memberId, options.handoff);
  const bus = new RedisBus(options.pub, options.sub, () => adapter);
  const refusal = (userId: string) => handoff.refusal(userId);
  return {
    name: "hash",
    bus,
    noticeMember: memberId,
    routes: new OwnerRoutes(holders, stats),
    locator: new RingLocator(ring),
    sessionGate: ownershipGate(options.tokens, refusal),
    ownership: ownershipCheck(refusal),
    drainDelayMs: options.drainDelayMs,
    noticesComplete: () => handoff.settled(),
    followUps: () => handoff.followUps(),
    ringShares: () => ring.current.shares(),
    peerLinksUp: peers && (() => ring.current.members.filter((id) => id !== memberId && peers.isLinked(id)).length),
    attach(io, member) {
      handoff.onMovement(() => member.distrustNotices());
      const rebalancer = new Rebalancer(io, handoff, { selfId: memberId, ...options.rebalance, log });
      const catchUp = new RingCatchUp(handoff, io, (sockets) => member.readSockets(sockets));
      const services: Service[] = [handoff, rebalancer, catchUp];
      // Peer links close first on shutdown: other members then reach this one through Redis.
      if (peers) services.unshift({ start: () => peers.start(member.httpServer), close: () => void peers.close() });
      return { services, admit: (socket) => rebalancer.admit(socket), rebalance: { moved: () => rebalancer.closedTotal, pending: () => rebalancer.pending } };
    },
  };
}
