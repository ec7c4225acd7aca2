/**
 * Message ids are "<ms>-<seq>" (Redis Stream ids, no leading zeros): unique, and increasing over
 * everything one user receives. On a Redis Cluster split into log groups, a class message has one
 * id per group (its recipients in other groups than the sender's see it under another id).
 */
export const MESSAGE_ID_PATTERN = /^(0|[1-9]\d{0,14})-(0|[1-9]\d{0,14})$/;

/**
 * Orders two message ids: negative, zero or positive. Digit strings without leading zeros order by
 * length, then as text: no splitting or number parsing (it runs for every message a socket gets).
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const ai = a.indexOf("-");
  const bi = b.indexOf("-");
  return compareDigits(a, 0, ai, b, 0, bi) || compareDigits(a, ai + 1, a.length, b, bi + 1, b.length);
}

function compareDigits(a: string, aFrom: number, aTo: number, b: string, bFrom: number, bTo: number): number {
  const lengths = aTo - aFrom - (bTo - bFrom);
  if (lengths !== 0) return lengths;
  for (let i = 0; i < aTo - aFrom; i++) {
    const diff = a.charCodeAt(aFrom + i) - b.charCodeAt(bFrom + i);
    if (diff !== 0) return diff;
  }
  return 0;
}
