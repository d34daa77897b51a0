/**
 * The one root of every error the package throws, and the configuration error shared by every
 * layer. A leaf module: its only import is the scrubber, which imports nothing itself, so any
 * layer (the emulator included) may depend on it.
 */
import { scrubText } from "./logging/redact.js";

/** What every error of the package may carry besides its code. */
export interface AIGatewayAgentsErrorInit {
  /** Stable snake_case code a program can branch on (`invalid_environment`, `rate_limited`, ...). */
  code: string;
  /** HTTP status, where one fits (a gateway response, the answer a surface gives). */
  status?: number;
  /** The upstream request id (the gateway's `x-request-id`), to quote when asking its operators. */
  requestId?: string;
  cause?: unknown;
}

/**
 * Root of every error the package throws: `catch (e) { if (e instanceof AIGatewayAgentsError) ... }`
 * catches them all, and `code` tells them apart without parsing messages.
 */
export class AIGatewayAgentsError extends Error {
  override readonly name: string = "AIGatewayAgentsError";
  /** Stable snake_case code; see each subclass for its values. */
  readonly code: string;
  /** HTTP status, where one fits. */
  readonly status?: number;
  /** The upstream request id, where there is one. */
  readonly requestId?: string;

  constructor(message: string, init: AIGatewayAgentsErrorInit) {
    // Messages may quote upstream bodies or user input that echo a credential back: scrubbed here,
    // once for every error, so no place that builds a message can forget it (the stack is built from it too).
    super(scrubText(message), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
  }

  /** Safe serialisation: no cause chain (it may hold library objects with request details or secrets). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
    };
  }
}

/** Why a configuration was refused. Each names the place to fix in its message. */
export type ConfigurationErrorCode =
  /** An environment variable (or a setting passed in code in its place) is missing or invalid. */
  | "invalid_environment"
  /** The tiers file (TIERS_CONFIG) is missing, unreadable or invalid. */
  | "invalid_tiers_config"
  /** The orchestrator cannot be built: an agent names a tool the toolbox lacks, a rule an undeclared agent. */
  | "invalid_orchestrator_config"
  /** A `defineAgent` definition is invalid. */
  | "invalid_agent_definition"
  /** The provider settings store (file or database table) exists but cannot be used. */
  | "invalid_provider_store"
  /** An option given in code (a factory's or a constructor's) is invalid. */
  | "invalid_option";

/** One bad setting: an environment variable, or a key path inside a file. */
export interface ConfigurationProblem {
  /** The environment variable to fix, when the problem is in one. */
  variable?: string;
  /** The key path inside the file, e.g. `tiers.fast.maxSteps`, when the problem is in a file. */
  path?: string;
  message: string;
}

/**
 * The configuration cannot be used, found before any work is done. Every surface treats it the
 * same way (the CLI and the server exit with code 2); `code` says which configuration is at
 * fault and `problems` lists every bad setting when there are several.
 */
export class ConfigurationError extends AIGatewayAgentsError {
  override readonly name = "ConfigurationError";
  declare readonly code: ConfigurationErrorCode;
  /** Every bad setting, when the check collected them (empty when the message says it all). */
  readonly problems: readonly ConfigurationProblem[];
  /** The file at fault, when there is one. */
  readonly file?: string;

  constructor(code: ConfigurationErrorCode, message: string, init: { problems?: readonly ConfigurationProblem[]; file?: string; cause?: unknown } = {}) {
    super(message, { code, cause: init.cause });
    this.problems = (init.problems ?? []).map((p) => ({ ...p, message: scrubText(p.message) }));
    this.file = init.file;
  }

  /** Adds the problems and the file, which name settings but never quote their values. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ...(this.problems.length > 0 ? { problems: this.problems } : {}), ...(this.file !== undefined ? { file: this.file } : {}) };
  }
}
