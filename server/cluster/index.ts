/**
 * ringcast/cluster: any Socket.IO server as a member of a ringcast cluster (`joinCluster`), and
 * the owner lookup for gateways (`createRouter`).
 */
export type { ClusterEvents, RingState } from "./cluster-events.ts";
export type { ClusterMember, MemberStatus } from "./cluster-member.ts";
export { type JoinClusterOptions, joinCluster } from "./join-cluster.ts";
export { type ClusterRouter, createRouter, type RouterOptions } from "./router.ts";
export type { WrongMember } from "./socket-mover.ts";
