/** Starts the Fastify example on PORT (default 3000; 0 picks a free port) and prints {"url"} once it listens. */
import { buildApp } from "./app.js";

const app = await buildApp();
const url = await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(JSON.stringify({ url }));
// app.close() waits for the requests in flight, then its onClose hook releases the store and runtime.
process.once("SIGTERM", () => void app.close());
process.once("SIGINT", () => void app.close());
