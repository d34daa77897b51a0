/**
 * `npm run bench:model`: ChatAIGateway vs ChatOpenAI vs a bare undici request + JSON.parse
 * (the floor), side by side against one emulator running in a separate process with zero
 * latency. Workloads: sequential invokes, concurrent invokes, one long stream.
 * The last line printed is one JSON object with the ratios (lower is better for ChatAIGateway).
 */
import { randomBytes } from "node:crypto";
import { ChatOpenAI } from "@langchain/openai";
import { Agent, request } from "undici";
import { createLogger } from "../src/logging/index.js";
import { AIGatewayClient } from "../src/gateway/index.js";
import { ChatAIGateway } from "../src/models/index.js";
import { compare, concurrent, floorStream, printTable, ratio, sequential, single, startEmulatorProcess, type Contender } from "./harness.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 200);
const STREAM_TOKENS = Number(process.env.BENCH_STREAM_TOKENS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MODEL = "gpt-4.1";
const PROMPT = "Say hello to the benchmark.";

// A static bearer the emulator accepts as-is, so ChatOpenAI and the floor need no OAuth.
const staticKey = `bench-${randomBytes(12).toString("hex")}`;
const { info, stop } = await startEmulatorProcess(["--static-api-key", staticKey]);
try {
  const streamHeaders = { "x-emulator-answer-tokens": String(STREAM_TOKENS) };
  const logger = createLogger({ level: "warn", format: "json" });
  // One shared client, as an application would hold it; OAuth2 tokens are cached in it.
  const client = new AIGatewayClient({ baseUrl: info.baseUrl, clientId: info.clientId, clientSecret: info.clientSecret, logger });
  const gateway = new ChatAIGateway({ model: MODEL, client, maxRetries: 0 });
  const gatewayStream = new ChatAIGateway({ model: MODEL, client, maxRetries: 0, headers: streamHeaders });
  const openaiFields = { model: MODEL, apiKey: staticKey, maxRetries: 0 };
  const openai = new ChatOpenAI({ ...openaiFields, configuration: { baseURL: info.apiUrl } });
  const openaiStream = new ChatOpenAI({ ...openaiFields, configuration: { baseURL: info.apiUrl, defaultHeaders: streamHeaders } });

  const floorAgent = new Agent({ keepAliveTimeout: 30_000 });
  const url = `${info.apiUrl}/chat/completions`;
  const floorHeaders = { "content-type": "application/json", authorization: `Bearer ${staticKey}` };
  const body = { model: MODEL, messages: [{ role: "user", content: PROMPT }] };
  const payload = JSON.stringify(body);
  const streamPayload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });

  const expectText = (text: unknown, who: string) => {
    if (typeof text !== "string" || !text.startsWith("Simulated")) throw new Error(`${who} returned an unexpected answer`);
  };

  const invoke: Contender[] = [
    { name: "ChatAIGateway", run: async () => expectText((await gateway.invoke(PROMPT)).content, "ChatAIGateway") },
    { name: "ChatOpenAI", run: async () => expectText((await openai.invoke(PROMPT)).content, "ChatOpenAI") },
    {
      name: "undici floor",
      run: async () => {
        const res = await request(url, { method: "POST", headers: floorHeaders, body: payload, dispatcher: floorAgent });
        const json = JSON.parse(await res.body.text()) as { choices: { message: { content: string } }[] };
        expectText(json.choices[0].message.content, "floor");
      },
    },
  ];

  const countStream = async (stream: AsyncIterable<{ content: unknown }>, who: string) => {
    let n = 0;
    for await (const chunk of stream) if (typeof chunk.content === "string" && chunk.content !== "") n++;
    if (n !== STREAM_TOKENS) throw new Error(`${who} streamed ${n} tokens, expected ${STREAM_TOKENS}`);
  };
  const stream: Contender[] = [
    { name: "ChatAIGateway", run: async () => countStream(await gatewayStream.stream(PROMPT), "ChatAIGateway") },
    { name: "ChatOpenAI", run: async () => countStream(await openaiStream.stream(PROMPT), "ChatOpenAI") },
    {
      name: "undici floor",
      run: async () => {
        const n = await floorStream(url, { ...floorHeaders, ...streamHeaders }, streamPayload, floorAgent);
        if (n !== STREAM_TOKENS) throw new Error(`floor streamed ${n} tokens`);
      },
    },
  ];

  // Warm-up: JIT, connection pools, the token cache.
  for (const c of invoke) for (let i = 0; i < 200; i++) await c.run();
  for (const c of invoke) await concurrent(c, CONCURRENT);
  for (const c of stream) await c.run();

  const seq = await compare(invoke, (c) => sequential(c, Math.ceil(SEQUENTIAL / ROUNDS)), ROUNDS);
  const conc = await compare(invoke, (c) => concurrent(c, CONCURRENT), ROUNDS);
  const str = await compare(stream, (c) => single(c), Math.max(3, ROUNDS));

  console.log(`bench:model — emulator in a separate process, zero latency, model ${MODEL}; median of ${ROUNDS} interleaved rounds`);
  console.log(`workloads: ${SEQUENTIAL} sequential invokes, ${CONCURRENT} concurrent invokes, one ${STREAM_TOKENS}-token stream\n`);
  const names = invoke.map((c) => c.name);
  printTable(
    ["contender", "sequential µs/call", "concurrent µs/call", "stream µs/stream"],
    names.map((n) => [n, seq.get(n)!, conc.get(n)!, str.get(n)!]),
  );
  const g = "ChatAIGateway";
  const o = "ChatOpenAI";
  const f = "undici floor";
  const result = {
    bench: "model",
    invoke_vs_chatopenai: ratio(seq.get(g)!, seq.get(o)!),
    concurrent_vs_chatopenai: ratio(conc.get(g)!, conc.get(o)!),
    stream_vs_chatopenai: ratio(str.get(g)!, str.get(o)!),
    invoke_vs_floor: ratio(seq.get(g)!, seq.get(f)!),
    concurrent_vs_floor: ratio(conc.get(g)!, conc.get(f)!),
    stream_vs_floor: ratio(str.get(g)!, str.get(f)!),
  };
  console.log("");
  console.log(JSON.stringify(result));
  await client.close();
  await floorAgent.close();
} finally {
  await stop();
}
