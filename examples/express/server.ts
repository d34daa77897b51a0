/** Starts the Express example on PORT (default 3000; 0 picks a free port) and prints {"url"} once it listens. */
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";

const { app, close } = await createApp();
const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
});
// Finish the requests in flight, then release the store and the runtime.
process.once("SIGTERM", () => server.close(() => void close()));
process.once("SIGINT", () => server.close(() => void close()));
