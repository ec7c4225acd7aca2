/** Called with each raw message on the presence channel (the sender's own ones included). */
export type PresenceListener = (message: string) => void;

/**
 * How presence directories reach each other: one broadcast channel shared by every member.
 * Messages are opaque strings here; the directory encodes and decodes them (and drops bad ones).
 * Delivery is best effort and in order per sender: losses are healed by snapshots, not here.
 */
export interface PresenceTransport {
  /** Starts receiving (subscribes); resolves once messages published from now on arrive. */
  start(): Promise<void>;
  /** Sends to every member. Resolves once sent, or failed (logged): it never rejects. */
  publish(message: string): Promise<void>;
  /** Adds a listener; returns a function that removes it. */
  onMessage(listener: PresenceListener): () => void;
  /**
   * Calls `listener` each time the transport comes back after an outage: whatever was published
   * meanwhile is lost, so the directory asks for snapshots. Optional: in-memory transports never
   * go away.
   */
  onRestored?(listener: () => void): () => void;
  /** Stops receiving. Never closes connections it was given. */
  close(): Promise<void>;
}
