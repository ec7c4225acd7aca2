import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from "./events.ts";

export type RingcastServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type RingcastSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
