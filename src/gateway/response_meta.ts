/** What a gateway response's headers say about it: its request id, and whether this project's emulator sent it. */
import { REQUEST_ID_HEADER, SIMULATED_HEADER } from "./wire.js";

type ResponseHeaders = Record<string, string | string[] | undefined>;

/** First value of a response header (Node gives a repeated header as an array). */
export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The gateway's request id (REQUEST_ID_HEADER), if it sent one. */
export function responseRequestId(headers: ResponseHeaders): string | undefined {
  return firstHeader(headers[REQUEST_ID_HEADER]);
}

/** Whether the answer came from this project's emulator (its SIMULATED_HEADER), so it is never shown as a real model's. */
export function isSimulatedResponse(headers: ResponseHeaders): boolean {
  return firstHeader(headers[SIMULATED_HEADER]) === "simulated";
}
