/**
 * MurmurHash3 (x86, 32-bit) of a string's UTF-8 bytes: fast, deterministic across processes and
 * platforms, and well spread for short similar keys ("s001", "s002", ...), which the ring needs.
 */
export function murmur3(text: string, seed = 0): number {
  const bytes = new TextEncoder().encode(text);
  const length = bytes.length;
  const blocks = length - (length % 4);
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = 0;
    if (rest === 3) tail ^= bytes[blocks + 2]! << 16;
    if (rest >= 2) tail ^= bytes[blocks + 1]! << 8;
    tail ^= bytes[blocks]!;
    tail = Math.imul(tail, 0xcc9e2d51);
    tail = (tail << 15) | (tail >>> 17);
    h ^= Math.imul(tail, 0x1b873593);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
