declare module "notepack.io" {
  export function encode(value: unknown): Buffer;
  export function decode<T = unknown>(buffer: Buffer | Uint8Array): T;
}
