/**
 * What a member knows about the data in its Redis, as a pure state machine (the guard around it
 * does the reading, logging and timing). `known` is the dataset marker the member serves.
 * - unverified: the connection (re)opened and the marker was not read yet: refuse for a moment.
 * - fresh: no marker seen yet and none in Redis: nothing was ever seeded, nothing can be lost.
 * - ok: the marker in Redis is the one the member knows.
 * - lost: it knew a marker and Redis no longer has it (missing) or has another one (changed).
 */
export type DatasetState =
  | { kind: "unverified"; known?: string }
  | { kind: "fresh" }
  | { kind: "ok"; known: string }
  | { kind: "lost"; known: string; reason: "missing" | "changed"; current?: string; sawMissing: boolean };

/** What changed, for the log: each is logged once, when it happens. */
export type DatasetEvent =
  | { kind: "adopted"; marker: string } // first marker seen (a fresh cluster was seeded)
  | { kind: "lost"; reason: "missing" | "changed"; known: string; current?: string }
  | { kind: "restored"; marker: string } // the known marker is back (the data was restored)
  | { kind: "replaced"; marker: string; previous: string }; // a new dataset taken on after a loss

export interface DatasetPolicy {
  /**
   * Take on a marker that replaced the known one without being seen missing first. Members that
   * seed the demo school themselves allow it: another member may re-seed between two checks.
   */
  adoptChanged: boolean;
}

export const INITIAL_DATASET_STATE: DatasetState = { kind: "unverified" };

/** The marker the member serves, if it has one. */
export function knownMarker(state: DatasetState): string | undefined {
  return state.kind === "fresh" ? undefined : state.known;
}

/** The state after the connection dropped: the data must be checked again before it is used. */
export function disconnected(state: DatasetState): DatasetState {
  if (state.kind === "lost") return state; // still lost until a read says otherwise
  return { kind: "unverified", known: knownMarker(state) };
}

/** The state after reading `current` (the marker in Redis now, or undefined when there is none). */
export function observe(
  state: DatasetState,
  current: string | undefined,
  policy: DatasetPolicy,
): { state: DatasetState; event?: DatasetEvent } {
  const known = knownMarker(state);
  if (known === undefined) {
    if (current === undefined) return { state: { kind: "fresh" } };
    return { state: { kind: "ok", known: current }, event: { kind: "adopted", marker: current } };
  }
  if (current === known) {
    return { state: { kind: "ok", known }, event: state.kind === "lost" ? { kind: "restored", marker: known } : undefined };
  }
  const wasLost = state.kind === "lost";
  const sawMissing = (wasLost && state.sawMissing) || current === undefined;
  if (current !== undefined && (sawMissing || policy.adoptChanged)) {
    // Re-seeded after a loss: the new dataset is the one to serve (what the old one held is gone).
    return { state: { kind: "ok", known: current }, event: { kind: "replaced", marker: current, previous: known } };
  }
  const reason = current === undefined ? "missing" : "changed";
  const next: DatasetState = { kind: "lost", known, reason, current, sawMissing };
  const announce = !wasLost || state.reason !== reason || state.current !== current;
  return { state: next, event: announce ? { kind: "lost", reason, known, current } : undefined };
}

/** Why the member cannot serve from Redis, or undefined when it can. */
export function datasetProblem(state: DatasetState): string | undefined {
  if (state.kind === "unverified") return "checking the data in Redis after (re)connecting";
  if (state.kind !== "lost") return undefined;
  return state.reason === "missing"
    ? "Redis lost its data (dataset marker missing): restore it or re-seed"
    : `Redis holds other data (dataset marker changed from ${state.known} to ${state.current}): ` +
        "restore the original data or restart the members to serve the new data";
}
