/**
 * Command-line main job: `npm start -- "prompt"` streams an answer from the gateway.
 * With no gateway configured it starts the local emulator in-process and says so.
 *
 * Exit codes: 0 success, 1 the call failed, 2 bad usage or configuration.
 */
import { Command } from "commander";
import { ConfigError, isGatewayConfigured, loadConfig, loadDotEnv, type GatewayConfig } from "../config/index.js";
import { AIGatewayClient, AIGatewayError } from "../gateway/index.js";
import { createLogger, setLogger } from "../logging/index.js";

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

async function run(argv: string[]): Promise<number> {
  const program = new Command()
    .name("ai-gateway")
    .description("Send a prompt through the AI gateway and stream the answer.")
    .argument("[prompt...]", "the prompt")
    .option("-m, --model <id>", "model id (default: AI_GATEWAY_DEFAULT_MODEL)")
    .exitOverride();
  try {
    program.parse(argv, { from: "user" });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? EXIT.usage;
    return code === 0 ? EXIT.ok : EXIT.usage;
  }
  const prompt = program.args.join(" ").trim();
  if (!prompt) {
    process.stderr.write('Usage: npm start -- "your prompt"\n');
    return EXIT.usage;
  }
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  setLogger(createLogger({ level: config.log.level, format: config.log.format }));

  let gateway: GatewayConfig = config.gateway;
  let stopEmulator: (() => Promise<void>) | undefined;
  if (!isGatewayConfigured(gateway)) {
    // Imported lazily so a configured deployment never loads the emulator.
    const { startEmulator } = await import("../emulator/index.js");
    const emulator = await startEmulator();
    stopEmulator = () => emulator.close();
    gateway = { ...gateway, baseUrl: emulator.baseUrl, clientId: emulator.clientId, clientSecret: emulator.clientSecret, tokenUrl: emulator.tokenUrl };
    process.stderr.write(
      `No AI gateway configured: answers come from the local gateway emulator's simulated model at ${emulator.baseUrl} (not a real LLM). Set AI_GATEWAY_* in .env to use your gateway.\n`,
    );
  }
  const client = AIGatewayClient.fromConfig(gateway);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  try {
    const stream = client.streamChatCompletion(
      { model: program.opts<{ model?: string }>().model ?? gateway.models.default, messages: [{ role: "user", content: prompt }] },
      { signal: controller.signal },
    );
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) process.stdout.write(text);
      if (chunk.usage) usage = chunk.usage;
    }
    process.stdout.write("\n");
    if (usage) process.stderr.write(`tokens: ${usage.prompt_tokens} in, ${usage.completion_tokens} out\n`);
    return EXIT.ok;
  } catch (err) {
    const message = err instanceof AIGatewayError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`Error: ${message}\n`);
    return EXIT.failed;
  } finally {
    process.off("SIGINT", onSignal);
    await client.close();
    await stopEmulator?.();
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
