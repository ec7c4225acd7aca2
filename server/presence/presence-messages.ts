import { z } from "zod";

/** [userId, sockets]: the sender's own socket count for that user now (0: none left). */
export type UserCount = [userId: string, sockets: number];

/** Bumped on any incompatible change: members of another version ignore each other's messages. */
const VERSION = 1;

const userId = z.string().min(1).max(256);
const counts = z.array(z.tuple([userId, z.number().int().min(0).max(1_000_000)]));
const origin = { v: z.literal(VERSION), from: z.string().min(1).max(256), run: z.string().min(1).max(64) };
const seq = z.number().int().positive();

const schema = z.discriminatedUnion("kind", [
  /** Counts of the users whose count changed since the sender's previous message. */
  z.object({ kind: z.literal("delta"), ...origin, seq, users: counts }),
  /** Every user the sender holds a socket of: replaces all earlier state of that sender. */
  z.object({ kind: z.literal("snapshot"), ...origin, seq, users: counts }),
  /** Asks `to` (everyone when absent) for a snapshot. */
  z.object({ kind: z.literal("want"), ...origin, to: z.string().min(1).max(256).optional() }),
  /** The sender is leaving: drop its users now instead of waiting for the registry. */
  z.object({ kind: z.literal("bye"), ...origin }),
]);

export type PresenceMessage = z.infer<typeof schema>;

/** What a sender fills in; the version is added by encodePresence. */
export type OutgoingPresence = WithoutVersion<PresenceMessage>;
type WithoutVersion<M> = M extends unknown ? Omit<M, "v"> : never;

export function encodePresence(message: OutgoingPresence): string {
  return JSON.stringify({ v: VERSION, ...message });
}

/** The message, or an Error saying why it is not one (never throws). */
export function decodePresence(text: string): PresenceMessage | Error {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const result = schema.safeParse(json);
  return result.success ? result.data : new Error(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
}
