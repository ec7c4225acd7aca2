/**
 * ringcast's wire protocol, shared by the server, ringcast/client and the web app: REST bodies,
 * socket events and their payloads, message ids, roles and error codes. A leaf: it imports nothing.
 */
export * from "./cluster.ts";
export * from "./errors.ts";
export * from "./events.ts";
export * from "./message.ts";
export * from "./message-id.ts";
export * from "./rest.ts";
export * from "./school.ts";
