/** Every Redis key and channel ringcast uses, in one place, under one prefix. */
export interface RedisKeys {
  user(id: string): string;
  userClasses(id: string): string;
  classInfo(id: string): string;
  classStudents(id: string): string;
  /** Sorted set: member id scored by lease expiry (ms). */
  memberLeases: string;
  /** Hash: member id -> JSON of its last heartbeat. */
  memberInfo: string;
  /** Counter bumped by every membership change. */
  ringEpoch: string;
  /** Pub/sub channel announcing each new epoch. */
  ringChanges: string;
  /** Prefix of the Socket.IO adapter's channels. */
  adapterKey: string;
  /** Stream whose ids number every message cluster-wide. */
  messageIds: string;
  /** Stream: a class's log (its teacher's messages). */
  classLog(classId: string): string;
  /** Stream: the direct messages one sender sent one recipient. */
  directLog(recipientId: string, senderId: string): string;
  /** Hash: per log, its newest id (field = the log's key) and its trim watermark (<key>:trimmed). */
  logIndex: string;
  /** Set: who has sent a user direct messages (the direct logs the user follows). */
  directSenders(userId: string): string;
  /** Stream: per direct message to a user, its id and sender (which direct log to read). */
  directPointers(userId: string): string;
  /** Stream: per message a user sent, its target and time (for its delivery status). */
  sentIndex(userId: string): string;
  /** Hash: user id -> the newest message id delivered to one of its sockets (receipts). */
  receipts: string;
  /** Pub/sub channel of message notices: one per member (hash mode), or one for all ("" member). */
  notices(memberId: string): string;
  /** Marker of a one-time job (see SchoolStore.claimOnce). */
  claim(job: string): string;
  /** String "disabled" or "deleted": every token of this user is refused while it is there. */
  userBlock(id: string): string;
  /** A revoked access token (by its jti), kept until the token would have expired. */
  revokedToken(tokenId: string): string;
  /** Pub/sub channel: sessions to end now (a revoked token, a disabled or deleted user). */
  sessionEnds: string;
}

/**
 * The key prefix as stored: on a Redis Cluster it is a hash tag ("{ringcast}"), so every key and
 * channel of one ringcast cluster hashes to one slot and its scripts, transactions and sharded
 * channels never span shards. A prefix that already holds a tag is kept as it is.
 */
export function slotPrefix(prefix: string, cluster: boolean): string {
  return cluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    user: (id) => `${prefix}:user:${id}`,
    userClasses: (id) => `${prefix}:user:${id}:classes`,
    classInfo: (id) => `${prefix}:class:${id}`,
    classStudents: (id) => `${prefix}:class:${id}:students`,
    memberLeases: `${prefix}:members`,
    memberInfo: `${prefix}:members:info`,
    ringEpoch: `${prefix}:ring:epoch`,
    ringChanges: `${prefix}:ring:changes`,
    adapterKey: `${prefix}:io`,
    messageIds: `${prefix}:messages:ids`,
    classLog: (classId) => `${prefix}:log:class:${classId}`,
    directLog: (recipientId, senderId) => `${prefix}:log:direct:${recipientId}:${senderId}`,
    logIndex: `${prefix}:logs:index`,
    directPointers: (userId) => `${prefix}:user:${userId}:direct-pointers`,
    directSenders: (userId) => `${prefix}:user:${userId}:direct-senders`,
    sentIndex: (userId) => `${prefix}:user:${userId}:sent`,
    receipts: `${prefix}:receipts`,
    notices: (memberId) => (memberId === "" ? `${prefix}:notices` : `${prefix}:notices:${memberId}`),
    claim: (job) => `${prefix}:claim:${job}`,
    userBlock: (id) => `${prefix}:user:${id}:blocked`,
    revokedToken: (tokenId) => `${prefix}:revoked:${tokenId}`,
    sessionEnds: `${prefix}:sessions:end`,
  };
}
