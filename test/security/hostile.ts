/**
 * Upstreams for the security tests: a hostile gateway that echoes every credential it is sent
 * back in its error bodies, and a recording proxy that notes every access token an upstream
 * issues (so a test knows the exact tokens to look for in logs and responses).
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { countingServer, readBody, type CountingServer } from "../integration/server_helpers.js";

/** What a hostile chat endpoint answers. */
export type HostileMode = "401" | "500";

/** A gateway that issues tokens to one client, then rejects chat calls with bodies quoting the credentials. */
export interface HostileGateway extends CountingServer {
  /** Every access token issued so far. */
  issued: string[];
  /** Current answer of /v1/chat/completions. */
  mode: HostileMode;
  /** Chat requests answered, per mode. */
  chatCalls: Record<HostileMode, number>;
}

/** What a careless upstream quotes back: the Authorization header, the bare credential in it, and the request body. */
const echo = (headers: IncomingHttpHeaders, body: string) => {
  const credential = (headers.authorization ?? "").replace(/^\S+\s+/, "");
  return `Authorization: ${headers.authorization ?? "(none)"}; presented ${credential}; body: ${body.slice(0, 500)}`;
};

/** Starts the hostile gateway; `clientId`/`clientSecret` are the credentials it accepts. */
export async function hostileGateway(creds: { clientId: string; clientSecret: string }): Promise<HostileGateway> {
  const issued: string[] = [];
  const chatCalls: Record<HostileMode, number> = { "401": 0, "500": 0 };
  // The handler reads the mode from the object the test holds, so setting `mode` takes effect at once.
  const state: { mode: HostileMode } = { mode: "401" };
  const server = await countingServer((req, res) => {
    void readBody(req).then((body) => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json", "x-upstream-echo": (req.headers.authorization ?? "").slice(0, 200) });
        res.end(JSON.stringify(value));
      };
      if (req.method === "POST" && req.url === "/oauth2/token") {
        const decoded = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /i, ""), "base64").toString();
        const [id, secret] = decoded.split(":").map((p) => decodeURIComponent(p.replace(/\+/g, " ")));
        const form = new URLSearchParams(body);
        const presented = { id: id || form.get("client_id"), secret: secret || form.get("client_secret") };
        if (presented.id !== creds.clientId || presented.secret !== creds.clientSecret) {
          json(401, { error: "invalid_client", error_description: `client ${presented.id} with secret ${presented.secret} is not known (${echo(req.headers, body)})` });
          return;
        }
        const token = `hostile-token-${issued.length}-${randomBytes(16).toString("hex")}`;
        issued.push(token);
        json(200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
        return;
      }
      const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      if (req.method === "GET" && req.url === "/v1/models") {
        if (!bearer || !issued.includes(bearer)) {
          json(401, { error: { message: `bad key: ${echo(req.headers, body)}`, type: "invalid_request_error", code: "invalid_api_key" } });
          return;
        }
        json(200, { object: "list", data: ["gpt-5.1", "gpt-5.1-chat-latest", "gpt-5-mini"].map((id) => ({ id, object: "model" })) });
        return;
      }
      if (req.method === "POST" && req.url === "/v1/chat/completions") {
        chatCalls[state.mode]++;
        if (state.mode === "401") json(401, { error: { message: `token rejected: ${echo(req.headers, body)}`, type: "invalid_request_error", code: "invalid_api_key" } });
        else json(500, { error: { message: `internal failure while serving ${echo(req.headers, body)}`, type: "server_error", code: "server_error" } });
        return;
      }
      json(404, { error: { message: `no route ${req.method} ${req.url}: ${echo(req.headers, body)}` } });
    });
  });
  return Object.defineProperties(Object.assign(server, { issued, chatCalls }), {
    mode: { get: () => state.mode, set: (m: HostileMode) => (state.mode = m), enumerable: true },
  }) as HostileGateway;
}

/** A reverse proxy in front of `target` that records the access tokens in its token responses and every bearer presented. */
export interface TokenTap extends CountingServer {
  /** Access tokens issued through the proxy and bearer values presented through it. */
  tokens: Set<string>;
}

/** Starts a recording proxy to `target` (an origin such as the emulator's base URL). */
export async function tokenTap(target: string): Promise<TokenTap> {
  const tokens = new Set<string>();
  const upstream = new URL(target);
  const server = await countingServer((req, res) => {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (bearer) tokens.add(bearer);
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!req.url?.startsWith("/oauth2/token")) {
          up.pipe(res);
          return;
        }
        let text = "";
        up.on("data", (d: Buffer) => (text += d.toString()));
        up.on("end", () => {
          try {
            const token = (JSON.parse(text) as { access_token?: string }).access_token;
            if (token) tokens.add(token);
          } catch {
            // not a JSON token response
          }
          res.end(text);
        });
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  return Object.assign(server, { tokens });
}
