/**
 * `npm run bench:client`: AIGatewayClient vs a bare undici request + JSON.parse (the floor)
 * vs the official openai client, against one emulator running in a separate process.
 *
 * Zero-latency workloads (sequential calls, concurrent calls, one 10,000-token stream sent in a
 * single write) measure client CPU overhead per call: the emulator answers at once, so the time
 * is almost all the client's own work. Two workloads show what a user would see on a network:
 * sequential calls with 50 ms before each answer (`x-emulator-ttft-ms`), and a paced stream of a
 * few hundred tokens, one token per write, 5 ms apart (`x-emulator-per-token-ms`); beside their
 * wall time they report this process's CPU time (user + system) per call or stream.
 *
 * Every workload runs in interleaved rounds whose contender order rotates each round; the tables
 * show the median of the rounds with its (min–max) beside it. The last line printed is one JSON
 * object with the ratios of medians.
 *
 * Knobs: BENCH_SEQUENTIAL (2000 calls over all rounds), BENCH_CONCURRENT (200),
 * BENCH_STREAM_TOKENS (10000), BENCH_ROUNDS (5), BENCH_LATENCY_MS (50),
 * BENCH_LATENCY_SEQUENTIAL (100 calls over all rounds), BENCH_PACED_TOKENS (200),
 * BENCH_PACED_TOKEN_MS (5). The JSON keys say "50ms" whatever BENCH_LATENCY_MS is.
 */
import OpenAI from "openai";
import { Agent, request } from "undici";
import { AIGatewayClient } from "../src/gateway/index.js";
import { createLogger } from "../src/logging/index.js";
import {
  fetchToken,
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

const { info, stop } = await startEmulatorProcess();
try {
  const token = await fetchToken(info);
  const body = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "Say hello to the benchmark." }] };

  const gateway = new AIGatewayClient({
    baseUrl: info.baseUrl,
    clientId: info.clientId,
    clientSecret: info.clientSecret,
    logger: createLogger({ level: "warn", format: "json" }),
  });
  const openai = new OpenAI({ apiKey: token, baseURL: info.apiUrl, maxRetries: 0 });
  const floorAgent = new Agent({ keepAliveTimeout: 30_000 });
  const origin = new URL(info.baseUrl).origin;
  const floorHeaders = { "content-type": "application/json", authorization: `Bearer ${token}` };

  const invokeContenders = (headers?: Record<string, string>): Contender[] => [
    { name: "AIGatewayClient", run: () => gateway.createChatCompletion(body, { headers }) },
    {
      name: "undici floor",
      run: async () => {
        // Serialising the body is part of any call, so the floor pays for it too.
        const res = await request(`${origin}/v1/chat/completions`, {
          method: "POST",
          headers: { ...floorHeaders, ...headers },
          body: JSON.stringify(body),
          dispatcher: floorAgent,
        });
        return JSON.parse(await res.body.text());
      },
    },
    { name: "openai client", run: () => openai.chat.completions.create(body, { headers }) },
  ];

  const streamContenders = (headers: Record<string, string>, tokens: number): Contender[] => [
    {
      name: "AIGatewayClient",
      run: async () => {
        let n = 0;
        for await (const chunk of gateway.streamChatCompletion(body, { headers })) if (chunk.choices[0]?.delta?.content) n++;
        if (n !== tokens) throw new Error(`AIGatewayClient streamed ${n} tokens`);
      },
    },
    {
      name: "undici floor",
      run: async () => {
        const body2 = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
        const n = await floorStream(`${origin}/v1/chat/completions`, { ...floorHeaders, ...headers }, body2, floorAgent);
        if (n !== tokens) throw new Error(`floor streamed ${n} tokens`);
      },
    },
    {
      name: "openai client",
      run: async () => {
        let n = 0;
        const s = await openai.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { headers });
        for await (const chunk of s) if (chunk.choices[0]?.delta?.content) n++;
        if (n !== tokens) throw new Error(`openai streamed ${n} tokens`);
      },
    },
  ];

  const invoke = invokeContenders();
  const stream = streamContenders(streamHeaders, STREAM_TOKENS);
  const invokeLatency = invokeContenders(latencyHeaders);
  const paced = streamContenders(pacedHeaders, PACED_TOKENS);

  // Warm-up: JIT, connection pools, the token cache.
  for (const c of invoke) for (let i = 0; i < 50; i++) await c.run();
  for (const c of stream) await c.run();
  for (const c of invokeLatency) for (let i = 0; i < 3; i++) await c.run();
  for (const c of paced) await c.run();

  const samples = await sampleOverhead({ invoke, stream, invokeLatency, paced }, { sequential: SEQUENTIAL, concurrent: CONCURRENT, latencySequential: LATENCY_SEQUENTIAL, rounds: ROUNDS });
  const [seqM, concM, strM, latM, latCpuM, pacM, pacCpuM] = [samples.sequential, samples.concurrent, samples.stream, samples.latency, samples.latencyCpu, samples.paced, samples.pacedCpu].map(medians);
  const perRound = Math.ceil(LATENCY_SEQUENTIAL / ROUNDS);

  printOverheadTables(invoke.map((c) => c.name), samples, {
    title: "bench:client — emulator in a separate process",
    rounds: ROUNDS,
    unit: "calls",
    sequential: SEQUENTIAL,
    concurrent: CONCURRENT,
    streamTokens: STREAM_TOKENS,
    latencyMs: LATENCY_MS,
    latencyCalls: perRound * ROUNDS,
    pacedTokens: PACED_TOKENS,
    pacedTokenMs: PACED_TOKEN_MS,
  });
  const g = "AIGatewayClient";
  const f = "undici floor";
  const o = "openai client";
  const result = {
    bench: "client",
    sequential_vs_floor: ratio(seqM.get(g)!, seqM.get(f)!),
    sequential_vs_openai: ratio(seqM.get(g)!, seqM.get(o)!),
    concurrent_vs_floor: ratio(concM.get(g)!, concM.get(f)!),
    concurrent_vs_openai: ratio(concM.get(g)!, concM.get(o)!),
    stream_vs_floor: ratio(strM.get(g)!, strM.get(f)!),
    stream_vs_openai: ratio(strM.get(g)!, strM.get(o)!),
    sequential_50ms_vs_floor: ratio(latM.get(g)!, latM.get(f)!),
    sequential_50ms_vs_openai: ratio(latM.get(g)!, latM.get(o)!),
    sequential_50ms_cpu_vs_floor: ratio(latCpuM.get(g)!, latCpuM.get(f)!),
    sequential_50ms_cpu_vs_openai: ratio(latCpuM.get(g)!, latCpuM.get(o)!),
    paced_stream_vs_floor: ratio(pacM.get(g)!, pacM.get(f)!),
    paced_stream_vs_openai: ratio(pacM.get(g)!, pacM.get(o)!),
    paced_stream_cpu_vs_floor: ratio(pacCpuM.get(g)!, pacCpuM.get(f)!),
    paced_stream_cpu_vs_openai: ratio(pacCpuM.get(g)!, pacCpuM.get(o)!),
  };
  console.log("");
  console.log(JSON.stringify(result));
  await gateway.close();
  await floorAgent.close();
} finally {
  await stop();
}
