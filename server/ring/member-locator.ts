import type { RingView } from "./ring-view.ts";

/** Where a user's connection should go. */
export interface MemberLocation {
  id: string;
  url: string;
  /** Hash mode: the ring epoch the answer comes from; broadcast mode has no ring. */
  epoch?: number;
}

export interface MemberLocator {
  locate(userId: string): MemberLocation | undefined;
}

/** Hash mode: the ring owner of the user. */
export class RingLocator implements MemberLocator {
  constructor(private readonly ring: RingView) {}

  locate(userId: string): MemberLocation | undefined {
    const owner = this.ring.ownerUrl(userId);
    return owner && { ...owner, epoch: this.ring.epoch };
  }
}

/** Broadcast mode: any member serves anyone; this one will do. */
export class SelfLocator implements MemberLocator {
  constructor(private readonly self: () => { id: string; url: string }) {}

  locate(): MemberLocation {
    return this.self();
  }
}
