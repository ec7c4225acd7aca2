import { decode, encode } from "notepack.io";
import type { BroadcastFlags, BroadcastOptions, ClusterMessage, ClusterResponse, Room } from "socket.io-adapter";

/**
 * The hash adapter's own request and answer for allRooms(). socket.io-adapter's message types
 * stop at 13; these sit well above them, and ClusterAdapter ignores types it does not know.
 */
export const ALL_ROOMS = 101;
export const ALL_ROOMS_RESPONSE = 102;

interface Sender {
  uid: string;
  nsp: string;
}
export type AllRoomsRequest = Sender & { type: typeof ALL_ROOMS; data: { requestId: string } };
export type AllRoomsResponse = Sender & { type: typeof ALL_ROOMS_RESPONSE; data: { requestId: string; rooms: Room[] } };

/** Anything one hash adapter sends another. */
export type HashMessage = ClusterMessage | ClusterResponse | AllRoomsRequest | AllRoomsResponse;

/**
 * A message as it travels: the adapter's message plus `from`, the sender's member id. Adapter uids
 * are random per namespace; the member id is what the registry knows, so it is what a request
 * strikes off when an answer arrives.
 */
export type Envelope = HashMessage & { from: string };

export function encodeEnvelope(message: HashMessage, from: string): Buffer {
  return encode({ ...message, from });
}

/** The envelope in `payload`, or undefined when it is not one. Throws on bytes that are not msgpack. */
export function decodeEnvelope(payload: Buffer): Envelope | undefined {
  const value = decode<unknown>(payload);
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  if (typeof fields.uid !== "string" || typeof fields.nsp !== "string" || typeof fields.type !== "number") return undefined;
  // Members from before the envelope used their member id as the adapter uid and sent no `from`.
  if (fields.from === undefined) fields.from = fields.uid;
  return typeof fields.from === "string" ? (value as Envelope) : undefined;
}

/** The wire form of BroadcastOptions, as socket.io-adapter's ClusterAdapter encodes it. */
export function encodeOptions(opts: BroadcastOptions): { rooms: Room[]; except: Room[]; flags: BroadcastFlags } {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags ?? {} };
}

/** The Redis channels of one namespace under `key`. */
export class HashChannels {
  private readonly base: string;

  constructor(key: string, nsp: string) {
    this.base = `${key}#${nsp}#`;
  }

  /** Messages for every member. */
  get all(): string {
    return `${this.base}all`;
  }

  /** Messages for one member (by member id), when no peer link carries them. */
  member(memberId: string): string {
    return `${this.base}m#${memberId}`;
  }

  /** Answers to one adapter's requests (by adapter uid). */
  responses(uid: string): string {
    return `${this.base}r#${uid}`;
  }
}
