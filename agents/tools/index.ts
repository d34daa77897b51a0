/**
 * The agents' toolbox: every tool by name, built from configuration, and a selector that
 * applies a tier's allowlist.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { loadConfig, type AppConfig } from "../../src/config/index.js";
import { createCalculatorTool } from "./calculator.js";
import { createDateTimeTool, type Clock } from "./datetime.js";
import { createHttpGetTool, type HttpGetSettings } from "./http_get.js";

export { calculate, createCalculatorTool, normaliseExpression, MAX_EXPRESSION_LENGTH } from "./calculator.js";
export { createDateTimeTool, describeDateTime, type Clock } from "./datetime.js";
export {
  createHttpGetTool,
  httpGet,
  checkUrl,
  isHostAllowed,
  isLoopbackHost,
  DEFAULT_HTTP_GET_SETTINGS,
  type HttpGetSettings,
} from "./http_get.js";

/** Names of every tool the project ships. */
export const TOOL_NAMES = ["calculator", "current_datetime", "http_get"] as const;

/** Name of one shipped tool. */
export type ToolName = (typeof TOOL_NAMES)[number];

/** Tools by name; http_get is present only when enabled. */
export type Toolbox = Readonly<Partial<Record<ToolName, StructuredToolInterface>>>;

/** What the toolbox is built from. */
export interface ToolboxOptions {
  /** http_get settings; the tool is included only when `enabled` is true. */
  httpGet?: Partial<HttpGetSettings> & { enabled?: boolean };
  /** Clock for current_datetime (tests pass a fixed one). */
  clock?: Clock;
}

/** Toolbox options from the validated configuration (HTTP_GET_* variables). */
export function toolboxOptionsFromConfig(config: AppConfig): ToolboxOptions {
  return { httpGet: { ...config.tools.httpGet } };
}

/**
 * Builds every tool. Without options, settings come from the environment (`loadConfig()`),
 * so http_get stays off unless HTTP_GET_ENABLED=true.
 */
export function createToolbox(options: ToolboxOptions = toolboxOptionsFromConfig(loadConfig())): Toolbox {
  const { enabled = false, ...httpGetSettings } = options.httpGet ?? {};
  const toolbox: Partial<Record<ToolName, StructuredToolInterface>> = {
    calculator: createCalculatorTool(),
    current_datetime: createDateTimeTool(options.clock),
  };
  if (enabled) toolbox.http_get = createHttpGetTool(httpGetSettings);
  return Object.freeze(toolbox);
}

/**
 * The tools of `toolbox` whose names are in `allowedNames`, in toolbox order.
 * `undefined` or a list containing "*" selects every tool; names not in the toolbox
 * (such as a disabled http_get) are skipped.
 */
export function selectTools(toolbox: Readonly<Record<string, StructuredToolInterface | undefined>>, allowedNames?: readonly string[]): StructuredToolInterface[] {
  const all = Object.values(toolbox).filter((t): t is StructuredToolInterface => t !== undefined);
  if (allowedNames === undefined || allowedNames.includes("*")) return all;
  const wanted = new Set(allowedNames);
  return all.filter((t) => wanted.has(t.name));
}
