/**
 * Startup check of the gateway settings that the schema cannot judge alone: the plain-http rule
 * for every credential-carrying URL (src/net), and the key and certificate files, which are read
 * and parsed here exactly as the client will read them. Problems come back as ConfigurationError
 * entries naming the variable, so a bad setting stops the CLI, server or Studio at startup
 * (exit code 2) instead of failing the first model call.
 */
import { invalidEnvironment, type GatewayConfig } from "../config/config.js";
import { plainHttpProblem } from "../net/plain_http.js";
import { loadClientSigningKey, loadTlsConnectOptions } from "./client_auth.js";
import { AIGatewayConfigError } from "./errors.js";
import { insecureUrlError } from "./token_source.js";

/** One bad setting. */
export interface SettingProblem {
  variable: string;
  message: string;
}

/** Every problem of `cfg` (empty when it is fine); see the file comment. */
export function gatewaySettingProblems(cfg: GatewayConfig): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const add = (err: unknown) => {
    if (!(err instanceof AIGatewayConfigError)) throw err;
    // The ConfigurationError prints "VARIABLE: message", so a message that starts with the variable loses it here.
    const message = err.message.startsWith(err.variable) ? err.message.slice(err.variable.length).replace(/^:?\s*/, "") : err.message;
    problems.push({ variable: err.variable, message });
  };
  const urls: [string, string | undefined][] = [
    ["AI_GATEWAY_BASE_URL", cfg.baseUrl],
    ["AI_GATEWAY_TOKEN_URL", cfg.tokenUrl],
    ["AI_GATEWAY_ISSUER", cfg.tokenUrl ? undefined : cfg.issuer],
  ];
  for (const [variable, raw] of urls) {
    if (!raw) continue;
    const url = new URL(raw);
    if (plainHttpProblem(url, cfg.allowInsecureHttp)) add(insecureUrlError(variable, url));
  }
  if (cfg.authMethod === "private_key_jwt" && cfg.clientKeyFile) {
    try {
      loadClientSigningKey(cfg.clientKeyFile, { alg: cfg.clientKeyAlg, kid: cfg.clientKeyId });
    } catch (err) {
      add(err);
    }
  }
  try {
    loadTlsConnectOptions(cfg);
  } catch (err) {
    add(err);
  }
  return problems;
}

/** Throws a ConfigurationError (`invalid_environment`) listing every problem of `cfg`; see gatewaySettingProblems. */
export function assertGatewaySettings(cfg: GatewayConfig): void {
  const problems = gatewaySettingProblems(cfg);
  if (problems.length > 0) throw invalidEnvironment(problems);
}
