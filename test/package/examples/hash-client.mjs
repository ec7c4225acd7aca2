// Alice sends Bob a direct message; a router connects each user to the member that owns it.
import { createRouter } from "ringcast/cluster";
import { io } from "socket.io-client";

const router = createRouter({ redis: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await router.start();
const connect = (userId) => io(router.ownerOf(userId).url, { auth: { userId } });
const [alice, bob] = [connect("alice"), connect("bob")];
await Promise.all([alice, bob].map((socket) => new Promise((connected) => socket.once("connect", connected))));
const received = new Promise((resolve) => bob.once("dm", resolve));
alice.emit("dm", "bob", "hi Bob");
const { from, text } = await received;
console.log(`bob got "${text}" from ${from} (alice on ${router.ownerOf("alice").id}, bob on ${router.ownerOf("bob").id})`);
alice.close();
bob.close();
await router.close();
