/** What a member's adapter did with cluster traffic: shows broadcast mode's waste and hash mode's saving. */
export interface AdapterStats {
  /** Broadcasts received from other members. */
  received: number;
  /** Of those, how many reached at least one local socket. */
  deliveredLocally: number;
  /** Broadcasts this member published for other members (cluster-wide or targeted). */
  published: number;
}

export function emptyAdapterStats(): AdapterStats {
  return { received: 0, deliveredLocally: 0, published: 0 };
}
