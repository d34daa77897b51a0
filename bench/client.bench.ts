/**
 * `npm run bench:client`: AIGatewayClient vs a bare undici request + JSON.parse (the floor)
 * vs the official openai client, against one emulator running in a separate process.
 * The last line printed is one JSON object with the ratios.
 */
import OpenAI from "openai";
import { Agent, request } from "undici";
import { AIGatewayClient } from "../src/gateway/index.js";
import { createLogger } from "../src/logging/index.js";
import { compare, concurrent, fetchToken, floorStream, printTable, ratio, sequential, single, startEmulatorProcess, type Contender } from "./harness.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 200);
const STREAM_TOKENS = Number(process.env.BENCH_STREAM_TOKENS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const { info, stop } = await startEmulatorProcess();
try {
  const token = await fetchToken(info);
  const body = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "Say hello to the benchmark." }] };
  const streamHeaders = { "x-emulator-answer-tokens": String(STREAM_TOKENS) };

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

  const invoke: Contender[] = [
    { name: "AIGatewayClient", run: () => gateway.createChatCompletion(body) },
    {
      name: "undici floor",
      run: async () => {
        // Serialising the body is part of any call, so the floor pays for it too.
        const res = await request(`${origin}/v1/chat/completions`, {
          method: "POST",
          headers: floorHeaders,
          body: JSON.stringify(body),
          dispatcher: floorAgent,
        });
        return JSON.parse(await res.body.text());
      },
    },
    { name: "openai client", run: () => openai.chat.completions.create(body) },
  ];

  const stream: Contender[] = [
    {
      name: "AIGatewayClient",
      run: async () => {
        let n = 0;
        for await (const chunk of gateway.streamChatCompletion(body, { headers: streamHeaders })) if (chunk.choices[0]?.delta?.content) n++;
        if (n !== STREAM_TOKENS) throw new Error(`AIGatewayClient streamed ${n} tokens`);
      },
    },
    {
      name: "undici floor",
      run: async () => {
        const body2 = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
        const n = await floorStream(`${origin}/v1/chat/completions`, { ...floorHeaders, ...streamHeaders }, body2, floorAgent);
        if (n !== STREAM_TOKENS) throw new Error(`floor streamed ${n} tokens`);
      },
    },
    {
      name: "openai client",
      run: async () => {
        let n = 0;
        const s = await openai.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { headers: streamHeaders });
        for await (const chunk of s) if (chunk.choices[0]?.delta?.content) n++;
        if (n !== STREAM_TOKENS) throw new Error(`openai streamed ${n} tokens`);
      },
    },
  ];

  // Warm-up: JIT, connection pools, the token cache.
  for (const c of invoke) for (let i = 0; i < 50; i++) await c.run();
  for (const c of stream) await c.run();

  const seq = await compare(invoke, (c) => sequential(c, Math.ceil(SEQUENTIAL / ROUNDS)), ROUNDS);
  const conc = await compare(invoke, (c) => concurrent(c, CONCURRENT), ROUNDS);
  const str = await compare(stream, (c) => single(c), Math.max(3, ROUNDS));

  console.log(`bench:client — emulator in a separate process, zero latency; median of ${ROUNDS} interleaved rounds`);
  console.log(`workloads: ${SEQUENTIAL} sequential calls, ${CONCURRENT} concurrent calls, one ${STREAM_TOKENS}-token stream\n`);
  const names = invoke.map((c) => c.name);
  printTable(
    ["contender", "sequential µs/call", "concurrent µs/call", "stream µs/stream"],
    names.map((n) => [n, seq.get(n)!, conc.get(n)!, str.get(n)!]),
  );
  const g = "AIGatewayClient";
  const result = {
    bench: "client",
    sequential_vs_floor: ratio(seq.get(g)!, seq.get("undici floor")!),
    sequential_vs_openai: ratio(seq.get(g)!, seq.get("openai client")!),
    concurrent_vs_floor: ratio(conc.get(g)!, conc.get("undici floor")!),
    concurrent_vs_openai: ratio(conc.get(g)!, conc.get("openai client")!),
    stream_vs_floor: ratio(str.get(g)!, str.get("undici floor")!),
    stream_vs_openai: ratio(str.get(g)!, str.get("openai client")!),
  };
  console.log("");
  console.log(JSON.stringify(result));
  await gateway.close();
  await floorAgent.close();
} finally {
  await stop();
}
