/** Turns low-level undici/Node errors into typed gateway errors with advice a person can act on. */
import { AIGatewayAbortError, AIGatewayConfigError, AIGatewayError, AIGatewayNetworkError, AIGatewayTimeoutError } from "./errors.js";

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NODATA", "EAI_NONAME", "EAI_FAIL"]);

/** TLS alerts a server sends when it refuses the client certificate it got (OpenSSL's codes, as Node reports them). */
const CLIENT_CERT_REFUSED = /^ERR_SSL_(TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_BAD_CERTIFICATE|SSLV3_ALERT_CERTIFICATE_(UNKNOWN|EXPIRED|REVOKED|UNSUPPORTED)|TLSV1_ALERT_ACCESS_DENIED)$/;

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  // fetch() wraps the real failure in `cause`; undici request errors carry it directly.
  for (let depth = 0; depth < 4 && e && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR" ) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `err` is an abort caused by the caller's signal. */
export function isAbortError(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (err as { name?: string } | undefined)?.name;
  return name === "AbortError" || errorCode(err) === "UND_ERR_ABORTED";
}

/**
 * Maps a thrown transport error for `host` to a typed error. `what` names the operation,
 * e.g. "the token endpoint" or "the AI gateway", for the message.
 */
export function toGatewayError(err: unknown, host: string, what: string, signal?: AbortSignal): AIGatewayError {
  if (err instanceof AIGatewayError) return err;
  if (isAbortError(err, signal)) return new AIGatewayAbortError();
  const code = errorCode(err) ?? "network_error";
  if (DNS_CODES.has(code)) {
    return new AIGatewayNetworkError(
      `Could not resolve the host '${host}' of ${what}. If it is only reachable over your company network, ` +
        `connect the VPN or fix the DNS setting, or check the configured URL.`,
      { code: "dns", host, cause: err, retryable: code === "EAI_AGAIN" },
    );
  }
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return new AIGatewayTimeoutError(
        `Timed out connecting to ${what} at '${host}'. The host may be unreachable from this network (VPN?) or overloaded.`,
        { phase: "connect", cause: err },
      );
    case "UND_ERR_HEADERS_TIMEOUT":
      return new AIGatewayTimeoutError(
        `${capitalise(what)} at '${host}' did not start answering in time (headers timeout). Raise the timeout or try again later.`,
        { phase: "headers", cause: err },
      );
    case "UND_ERR_BODY_TIMEOUT":
      return new AIGatewayTimeoutError(
        `${capitalise(what)} at '${host}' stopped sending data mid-response (idle timeout); the connection was closed.`,
        { phase: "idle", cause: err },
      );
    case "ECONNREFUSED":
      return new AIGatewayNetworkError(
        `Connection to ${what} at '${host}' was refused. Is the service running and the URL (and port) right?`,
        { code: "connection_refused", host, cause: err },
      );
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
    case "EPIPE":
      return new AIGatewayNetworkError(`The connection to ${what} at '${host}' was closed unexpectedly.`, {
        code: "connection_reset",
        host,
        cause: err,
      });
    case "ETIMEDOUT":
    case "ENETUNREACH":
    case "EHOSTUNREACH":
      return new AIGatewayNetworkError(
        `${capitalise(what)} at '${host}' is unreachable from this network (${code}). Check the VPN and proxy settings.`,
        { code: "unreachable", host, cause: err },
      );
    case "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED":
      return new AIGatewayConfigError(
        `${capitalise(what)} at '${host}' requires a client certificate (mutual TLS) and got none. ` +
          "Set AI_GATEWAY_TLS_CERT and AI_GATEWAY_TLS_KEY to a certificate and key that its CA trusts.",
        { code: "tls_client_certificate_required", variable: "AI_GATEWAY_TLS_CERT", cause: err },
      );
    case "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE":
      return new AIGatewayNetworkError(
        `TLS handshake with ${what} at '${host}' failed (the server sent a handshake_failure alert). It may require a client ` +
          "certificate (AI_GATEWAY_TLS_CERT, AI_GATEWAY_TLS_KEY), or share no TLS version or cipher with this client.",
        { code: "tls", host, cause: err, retryable: false },
      );
    default:
      if (CLIENT_CERT_REFUSED.test(code)) {
        return new AIGatewayConfigError(
          `${capitalise(what)} at '${host}' refused the client certificate (${code}). Check AI_GATEWAY_TLS_CERT and AI_GATEWAY_TLS_KEY: ` +
            "the certificate must be issued by a CA the server trusts, be valid now, and be registered for this client.",
          { code: "tls_client_certificate_rejected", variable: "AI_GATEWAY_TLS_CERT", cause: err },
        );
      }
      if (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || code.includes("CERT")) {
        return new AIGatewayNetworkError(
          `TLS handshake with ${what} at '${host}' failed (${code}). Check the URL and the CA certificates (AI_GATEWAY_TLS_CA or NODE_EXTRA_CA_CERTS).`,
          { code: "tls", host, cause: err, retryable: false },
        );
      }
      return new AIGatewayNetworkError(`Request to ${what} at '${host}' failed (${code}).`, {
        code: "network_error",
        host,
        cause: err,
      });
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
