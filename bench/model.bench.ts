/**
 * `npm run bench:model`: ChatAIGateway vs ChatOpenAI vs a bare undici request + JSON.parse
 * (the floor), side by side against one emulator running in a separate process.
 *
 * Two kinds of figures, which answer different questions:
 * - Zero latency (sequential invokes, concurrent invokes, one 10,000-token stream sent in a
 *   single write): the emulator answers at once, so the time per call is almost all the client's
 *   own work. These ratios are client CPU overhead per call, not what a user waits for.
 * - On a network: sequential invokes with 50 ms before each answer (`x-emulator-ttft-ms`), and a
 *   paced stream of a few hundred tokens, one token per write, 5 ms apart
 *   (`x-emulator-per-token-ms`). Their wall-time ratios are what a user would see; the client CPU
 *   per call or stream (this process's user + system time) shows the overhead that the waiting
 *   hides but a busy server still pays.
 *
 * Every workload runs in interleaved rounds whose contender order rotates each round; the tables
 * show the median of the rounds with its (min–max) beside it. The last line printed is one JSON
 * object with the ratios of medians (lower is better for ChatAIGateway).
 *
 * Knobs: BENCH_SEQUENTIAL (2000 invokes over all rounds), BENCH_CONCURRENT (200),
 * BENCH_STREAM_TOKENS (10000), BENCH_ROUNDS (5), BENCH_LATENCY_MS (50),
 * BENCH_LATENCY_SEQUENTIAL (100 invokes over all rounds), BENCH_PACED_TOKENS (200),
 * BENCH_PACED_TOKEN_MS (5). The JSON keys say "50ms" whatever BENCH_LATENCY_MS is.
 */
import { randomBytes } from "node:crypto";
import { ChatOpenAI } from "@langchain/openai";
import { Agent, request } from "undici";
import { createLogger } from "../src/logging/index.js";
import { AIGatewayClient } from "../src/gateway/index.js";
import { ChatAIGateway } from "../src/models/index.js";
import {
  concurrent,
  floorStream,
  medians,
  ratio,
  startEmulatorProcess,
  type Contender,
  printOverheadTables,
  overheadKnobs,
  sampleOverhead,
} from "./harness.js";

const { SEQUENTIAL, CONCURRENT, STREAM_TOKENS, ROUNDS, LATENCY_MS, LATENCY_SEQUENTIAL, PACED_TOKENS, PACED_TOKEN_MS, streamHeaders, latencyHeaders, pacedHeaders } = overheadKnobs();
const MODEL = "gpt-4.1";
const PROMPT = "Say hello to the benchmark.";

// A static bearer the emulator accepts as-is, so ChatOpenAI and the floor need no OAuth.
const staticKey = `bench-${randomBytes(12).toString("hex")}`;
const { info, stop } = await startEmulatorProcess(["--static-api-key", staticKey]);
try {
  const logger = createLogger({ level: "warn", format: "json" });
  // One shared client, as an application would hold it; OAuth2 tokens are cached in it.
  const client = new AIGatewayClient({ baseUrl: info.baseUrl, clientId: info.clientId, clientSecret: info.clientSecret, logger });
  const floorAgent = new Agent({ keepAliveTimeout: 30_000 });
  const url = `${info.apiUrl}/chat/completions`;
  const floorHeaders = { "content-type": "application/json", authorization: `Bearer ${staticKey}` };
  const body = { model: MODEL, messages: [{ role: "user", content: PROMPT }] };
  const payload = JSON.stringify(body);
  const streamPayload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });

  // The two models for a set of per-request emulator headers (none: zero latency, one write).
  const models = (headers: Record<string, string> | undefined) => ({
    gateway: new ChatAIGateway({ model: MODEL, client, maxRetries: 0, headers }),
    openai: new ChatOpenAI({ model: MODEL, apiKey: staticKey, maxRetries: 0, configuration: { baseURL: info.apiUrl, defaultHeaders: headers } }),
  });

  const expectText = (text: unknown, who: string) => {
    if (typeof text !== "string" || !text.startsWith("Simulated")) throw new Error(`${who} returned an unexpected answer`);
  };
  const invokeContenders = (headers?: Record<string, string>): Contender[] => {
    const { gateway, openai } = models(headers);
    return [
      { name: "ChatAIGateway", run: async () => expectText((await gateway.invoke(PROMPT)).content, "ChatAIGateway") },
      { name: "ChatOpenAI", run: async () => expectText((await openai.invoke(PROMPT)).content, "ChatOpenAI") },
      {
        name: "undici floor",
        run: async () => {
          const res = await request(url, { method: "POST", headers: { ...floorHeaders, ...headers }, body: payload, dispatcher: floorAgent });
          const json = JSON.parse(await res.body.text()) as { choices: { message: { content: string } }[] };
          expectText(json.choices[0].message.content, "floor");
        },
      },
    ];
  };

  const streamContenders = (headers: Record<string, string>, tokens: number): Contender[] => {
    const { gateway, openai } = models(headers);
    const countStream = async (stream: AsyncIterable<{ content: unknown }>, who: string) => {
      let n = 0;
      for await (const chunk of stream) if (typeof chunk.content === "string" && chunk.content !== "") n++;
      if (n !== tokens) throw new Error(`${who} streamed ${n} tokens, expected ${tokens}`);
    };
    return [
      { name: "ChatAIGateway", run: async () => countStream(await gateway.stream(PROMPT), "ChatAIGateway") },
      { name: "ChatOpenAI", run: async () => countStream(await openai.stream(PROMPT), "ChatOpenAI") },
      {
        name: "undici floor",
        run: async () => {
          const n = await floorStream(url, { ...floorHeaders, ...headers }, streamPayload, floorAgent);
          if (n !== tokens) throw new Error(`floor streamed ${n} tokens`);
        },
      },
    ];
  };

  const invoke = invokeContenders();
  const stream = streamContenders(streamHeaders, STREAM_TOKENS);
  const invokeLatency = invokeContenders(latencyHeaders);
  const paced = streamContenders(pacedHeaders, PACED_TOKENS);

  // Warm-up: JIT, connection pools, the token cache.
  for (const c of invoke) for (let i = 0; i < 200; i++) await c.run();
  for (const c of invoke) await concurrent(c, CONCURRENT);
  for (const c of stream) await c.run();
  for (const c of invokeLatency) for (let i = 0; i < 3; i++) await c.run();
  for (const c of paced) await c.run();

  const samples = await sampleOverhead({ invoke, stream, invokeLatency, paced }, { sequential: SEQUENTIAL, concurrent: CONCURRENT, latencySequential: LATENCY_SEQUENTIAL, rounds: ROUNDS });
  const [seqM, concM, strM, latM, latCpuM, pacM, pacCpuM] = [samples.sequential, samples.concurrent, samples.stream, samples.latency, samples.latencyCpu, samples.paced, samples.pacedCpu].map(medians);
  const perRound = Math.ceil(LATENCY_SEQUENTIAL / ROUNDS);

  printOverheadTables(invoke.map((c) => c.name), samples, {
    title: `bench:model — emulator in a separate process, model ${MODEL}`,
    rounds: ROUNDS,
    unit: "invokes",
    sequential: SEQUENTIAL,
    concurrent: CONCURRENT,
    streamTokens: STREAM_TOKENS,
    latencyMs: LATENCY_MS,
    latencyCalls: perRound * ROUNDS,
    pacedTokens: PACED_TOKENS,
    pacedTokenMs: PACED_TOKEN_MS,
  });
  const g = "ChatAIGateway";
  const o = "ChatOpenAI";
  const f = "undici floor";
  const result = {
    bench: "model",
    invoke_vs_chatopenai: ratio(seqM.get(g)!, seqM.get(o)!),
    concurrent_vs_chatopenai: ratio(concM.get(g)!, concM.get(o)!),
    stream_vs_chatopenai: ratio(strM.get(g)!, strM.get(o)!),
    invoke_vs_floor: ratio(seqM.get(g)!, seqM.get(f)!),
    concurrent_vs_floor: ratio(concM.get(g)!, concM.get(f)!),
    stream_vs_floor: ratio(strM.get(g)!, strM.get(f)!),
    invoke_50ms_vs_chatopenai: ratio(latM.get(g)!, latM.get(o)!),
    invoke_50ms_vs_floor: ratio(latM.get(g)!, latM.get(f)!),
    invoke_50ms_cpu_vs_chatopenai: ratio(latCpuM.get(g)!, latCpuM.get(o)!),
    invoke_50ms_cpu_vs_floor: ratio(latCpuM.get(g)!, latCpuM.get(f)!),
    paced_stream_vs_chatopenai: ratio(pacM.get(g)!, pacM.get(o)!),
    paced_stream_vs_floor: ratio(pacM.get(g)!, pacM.get(f)!),
    paced_stream_cpu_vs_chatopenai: ratio(pacCpuM.get(g)!, pacCpuM.get(o)!),
    paced_stream_cpu_vs_floor: ratio(pacCpuM.get(g)!, pacCpuM.get(f)!),
  };
  console.log("");
  console.log(JSON.stringify(result));
  await client.close();
  await floorAgent.close();
} finally {
  await stop();
}
