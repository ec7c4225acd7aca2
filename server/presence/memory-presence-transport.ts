import type { PresenceListener, PresenceTransport } from "./presence-transport.ts";

/**
 * An in-process stand-in for the presence channel (tests, single-process setups): every publish
 * reaches every started transport of the hub, the sender's included, asynchronously and in order.
 * `drop` lets a test lose chosen messages on their way to chosen receivers.
 */
export class MemoryPresenceHub {
  private readonly transports = new Set<MemoryPresenceTransport>();
  /** Return true to lose `message` on its way to `to` (the receiver's label). */
  drop: (message: string, to: string) => boolean = () => false;
  /** Every message published on the hub, in order. */
  readonly published: string[] = [];

  transport(label: string): MemoryPresenceTransport {
    return new MemoryPresenceTransport(this, label);
  }

  /** @internal */
  attach(transport: MemoryPresenceTransport, attached: boolean): void {
    if (attached) this.transports.add(transport);
    else this.transports.delete(transport);
  }

  /** @internal */
  deliver(message: string): Promise<void> {
    this.published.push(message);
    const receivers = [...this.transports].filter((t) => !this.drop(message, t.label));
    return new Promise((resolve) =>
      setImmediate(() => {
        for (const receiver of receivers) receiver.receive(message);
        resolve();
      }),
    );
  }
}

export class MemoryPresenceTransport implements PresenceTransport {
  private readonly listeners = new Set<PresenceListener>();
  private started = false;

  constructor(
    private readonly hub: MemoryPresenceHub,
    readonly label: string,
  ) {}

  async start(): Promise<void> {
    this.started = true;
    this.hub.attach(this, true);
  }

  publish(message: string): Promise<void> {
    return this.started ? this.hub.deliver(message) : Promise.resolve();
  }

  onMessage(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.started = false;
    this.hub.attach(this, false);
  }

  /** @internal */
  receive(message: string): void {
    if (!this.started) return;
    for (const listener of this.listeners) listener(message);
  }
}
