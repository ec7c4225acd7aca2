/**
 * Direct member-to-member delivery, beside the Redis bus: a message for one member goes straight
 * to it instead of through a Redis PUBLISH (one hop and one reply fewer). Best effort, like
 * pub/sub: a member that cannot take a message now says so and the caller uses Redis.
 */
export interface PeerTransport {
  /** Hands `payload` to the link to `memberId`; false when no link is open (use Redis then). */
  send(memberId: string, payload: Buffer): boolean;
  /** Every payload another member sent to this one. */
  onMessage(listener: (payload: Buffer) => void): void;
}
