/** Message ids are "<ms>-<seq>": cluster-wide, unique and increasing (Redis Stream ids). */
export const MESSAGE_ID_PATTERN = /^\d{1,15}-\d{1,15}$/;

/** Orders two message ids: negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [ams, aseq] = a.split("-").map(Number) as [number, number];
  const [bms, bseq] = b.split("-").map(Number) as [number, number];
  return ams - bms || aseq - bseq;
}
