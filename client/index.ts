/** ringcast's client library: `import { RingcastClient } from "ringcast/client"`. */
export { Emitter } from "./emitter.ts";
export { compareIds, MESSAGE_ID_PATTERN } from "./message-id.ts";
export * from "./rest.ts";
export * from "./ringcast-client.ts";
