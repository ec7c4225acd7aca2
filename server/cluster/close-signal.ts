import type { Namespace } from "socket.io";
import { Adapter } from "socket.io-adapter";

/** A namespace of the member's own, no client may join: its adapter only hears `io.close()`. */
export const CLOSE_SIGNAL_NAMESPACE = "/ringcast-member";

/**
 * `io.close()` closes every namespace's adapter, and waits for that, before it closes the HTTP
 * server, which waits for every upgraded connection (peer links included). Socket.IO has no other
 * hook at that point, so the member keeps a namespace whose in-memory adapter overrides `close()`
 * (the documented extension point) to leave the cluster first: then `io.close()` never hangs.
 */
export class CloseSignal extends Adapter {
  constructor(
    nsp: Namespace,
    private readonly onClose: () => Promise<void>,
  ) {
    super(nsp);
  }

  override close(): Promise<void> {
    return this.onClose();
  }
}

/** Creates the signal namespace on `io` (through its adapter factory) and keeps clients out of it. */
export function refuseClients(nsp: Namespace): void {
  nsp.use((_socket, next) => next(new Error("this namespace is ringcast's own")));
}
