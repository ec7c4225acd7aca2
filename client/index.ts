/** ringcast's client library: `import { RingcastClient } from "ringcast/client"`. */
export { Emitter } from "./emitter.ts";
export * from "../protocol/index.ts";
export * from "./rest.ts";
export * from "./ringcast-client.ts";
