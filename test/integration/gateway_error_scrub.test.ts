/**
 * Errors the gateway client throws when an upstream body echoes a credential back (a client
 * secret, the bearer token it was sent, an API key): the credential appears in none of
 * `message`, `String(err)`, `toJSON()` or `util.inspect(err)`. Checked on the client's own
 * errors, not through the layers above it that scrub again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AIGatewayClient, AIGatewayError } from "../../src/gateway/index.js";
import { silentLogger } from "../helpers/gateway.js";

const CLIENT_SECRET = "scrub-client-secret-7Hq2xP9w";
const API_KEY = "gw-static-key-5551234abcd";
/** An API key of a well-known shape that nobody registered with the redactor. */
const FOREIGN_KEY = "sk-proj-AbCdEf1234567890xyz";

/** What the next chat request is answered with: a status, and whether the token endpoint refuses instead. */
let chatStatus = 400;
let tokenRefusal: { status: number; body: unknown } | undefined;
const issued: string[] = [];

/** A body that echoes everything the request carried, as a careless upstream does. */
const echo = (auth: string | undefined, apiKey: string | undefined) =>
  `bad request: you sent Authorization: ${auth ?? "-"} and x-api-key ${apiKey ?? "-"}; client_secret=${CLIENT_SECRET}; key ${FOREIGN_KEY}`;

let server: Server;
let baseUrl = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/oauth2/token") {
        if (tokenRefusal) {
          res.writeHead(tokenRefusal.status);
          return res.end(JSON.stringify(tokenRefusal.body));
        }
        const token = `tok${Math.random().toString(16).slice(2)}${Math.random().toString(16).slice(2)}`;
        issued.push(token);
        return res.end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 3600 }));
      }
      res.writeHead(chatStatus);
      res.end(JSON.stringify({ error: { message: echo(req.headers.authorization, req.headers["x-api-key"] as string | undefined), code: "bad_request" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const oauthClient = () =>
  new AIGatewayClient({ baseUrl, tokenUrl: `${baseUrl}/oauth2/token`, clientId: "scrub-client", clientSecret: CLIENT_SECRET, logger: silentLogger, retry: { maxRetries: 0 } });
const keyClient = () => new AIGatewayClient({ baseUrl, apiKey: API_KEY, logger: silentLogger, retry: { maxRetries: 0 } });

/** Every form of `err` a person or a log may see. */
const views = (err: AIGatewayError) => ({ message: err.message, string: String(err), json: JSON.stringify(err.toJSON()), inspect: inspect(err, { depth: 10 }) });

async function thrown(client: AIGatewayClient): Promise<AIGatewayError> {
  try {
    const err = await client.createChatCompletion({ model: "m", messages: [{ role: "user", content: "hi" }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AIGatewayError);
    return err as AIGatewayError;
  } finally {
    await client.close();
  }
}

function expectScrubbed(err: AIGatewayError, secrets: string[]) {
  for (const [view, text] of Object.entries(views(err))) {
    for (const secret of secrets) expect(text.includes(secret), `${view} shows ${secret.slice(0, 6)}...`).toBe(false);
  }
}

describe("a gateway error whose body echoes credentials", () => {
  it.each([400, 401, 403, 429, 500])("hides them in a %i from the chat endpoint (OAuth2 client)", async (status) => {
    chatStatus = status;
    tokenRefusal = undefined;
    const err = await thrown(oauthClient());
    expect(err.status).toBe(status);
    expect(err.message).toContain("bad request");
    expect(issued.length).toBeGreaterThan(0);
    expectScrubbed(err, [CLIENT_SECRET, FOREIGN_KEY, ...issued]);
  });

  it("hides them with an API key client", async () => {
    chatStatus = 403;
    const err = await thrown(keyClient());
    expect(err.message).toContain("bad request");
    expectScrubbed(err, [API_KEY, CLIENT_SECRET, FOREIGN_KEY]);
  });

  it.each([
    ["an RFC 6749 error whose description echoes the secret", 401, { error: "invalid_client", error_description: `client_secret ${CLIENT_SECRET} does not match; key ${FOREIGN_KEY}` }],
    ["a non-RFC error body", 400, { error: { message: `unknown client_secret=${CLIENT_SECRET} ${FOREIGN_KEY}` } }],
  ])("hides them in a token endpoint refusal: %s", async (_what, status, body) => {
    tokenRefusal = { status, body };
    try {
      const err = await thrown(oauthClient());
      expectScrubbed(err, [CLIENT_SECRET, FOREIGN_KEY]);
    } finally {
      tokenRefusal = undefined;
    }
  });
});
