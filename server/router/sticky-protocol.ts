/**
 * IPC between a worker and the primary so that a new Engine.IO session is bound to its worker
 * before the handshake answer leaves. Without it a fast polling client's second request can reach
 * the primary first, be balanced elsewhere and fail with "Session ID unknown".
 */
export const STICKY_SESSION = "sticky:connection"; // understood by @socket.io/sticky's primary
export const STICKY_SYNC = "ringcast:sticky-sync";
export const STICKY_SYNCED = "ringcast:sticky-synced";

export interface StickySyncMessage {
  type: typeof STICKY_SYNC | typeof STICKY_SYNCED;
  seq: number;
}
