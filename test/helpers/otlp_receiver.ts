/**
 * A small OTLP/HTTP receiver for tests: a node:http server on 127.0.0.1 that takes the JSON
 * export the project sends (POST /v1/traces) and decodes it into flat spans.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One attribute value of the OTLP JSON encoding. */
type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: number | string; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };

/** A decoded span: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

/** One POST the receiver got: its headers and raw body. */
export interface ReceivedExport {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attributesOf(list: { key: string; value: AnyValue }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

/** The spans of one OTLP JSON export request body (ExportTraceServiceRequest). */
export function decodeTraces(body: string): ReceivedSpan[] {
  type Raw = { name: string; traceId: string; spanId: string; parentSpanId?: string; kind: number; attributes?: { key: string; value: AnyValue }[]; events?: { name: string; attributes?: { key: string; value: AnyValue }[] }[]; status?: { code?: number; message?: string } };
  const request = JSON.parse(body) as { resourceSpans?: { resource?: { attributes?: { key: string; value: AnyValue }[] }; scopeSpans?: { spans?: Raw[] }[] }[] };
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          name: s.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          kind: s.kind,
          attributes: attributesOf(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          status: s.status ?? {},
          resource,
        });
      }
    }
  }
  return out;
}

/** A running receiver: its base URL (for OTEL_EXPORTER_OTLP_ENDPOINT), what it got, and close. */
export interface OtlpReceiver {
  url: string;
  exports: ReceivedExport[];
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** Forgets what was received. */
  clear(): void;
  close(): Promise<void>;
}

/** Starts a receiver on an ephemeral loopback port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      exports.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans: () => exports.filter((e) => e.path === "/v1/traces").flatMap((e) => decodeTraces(e.body)),
    clear: () => {
      exports.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
