import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactValue, registerSecret, scrubText, REDACTED } from "../../src/logging/index.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: "trace", format: "json", destination: stream }) };
}

describe("redaction", () => {
  it("masks secret-named keys in any letter case, at any depth", () => {
    const out = redactValue({
      headers: { Authorization: "Bearer abc.def", AUTHORIZATION: "x", "X-Api-Key": "k", accept: "json" },
      nested: [{ client_secret: "s", clientSecret: "s2", access_token: "t", apiKey: "k2" }],
    }) as Record<string, any>;
    expect(out.headers).toEqual({ Authorization: REDACTED, AUTHORIZATION: REDACTED, "X-Api-Key": REDACTED, accept: "json" });
    expect(out.nested[0]).toEqual({ client_secret: REDACTED, clientSecret: REDACTED, access_token: REDACTED, apiKey: REDACTED });
  });

  it("scrubs registered secrets and inline credentials from text", () => {
    registerSecret("registered-secret-1234");
    expect(scrubText("got registered-secret-1234 twice: registered-secret-1234")).toBe(`got ${REDACTED} twice: ${REDACTED}`);
    expect(scrubText("Authorization: Bearer eyJhbGciOi.x.y")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(scrubText("basic Zm9vOmJhcg==")).toBe(`basic ${REDACTED}`);
    expect(scrubText("Bearer opaqueTokenWithOnlyLetters")).toBe(`Bearer ${REDACTED}`);
  });

  it("leaves prose about bearer tokens and basic auth readable", () => {
    for (const text of ["Invalid bearer token", "missing Bearer token in request", "Basic authentication failed", "bearer tokens expire"]) expect(scrubText(text)).toBe(text);
  });

  it("hides key- and JWT-shaped strings an upstream service echoes, registered or not", () => {
    expect(scrubText("Incorrect API key provided: sk-live-0123456789abcdef.")).toBe(`Incorrect API key provided: ${REDACTED}.`);
    expect(scrubText("key sk_test_51Habcdefghijkl and sk-proj-AbCdEf0123456789xyz")).toBe(`key ${REDACTED} and ${REDACTED}`);
    expect(scrubText("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlMTIz")).toBe(`token ${REDACTED}`);
    // Ordinary words with the same prefixes are left alone.
    expect(scrubText("sk-learn and pk-12 and risk-free")).toBe("sk-learn and pk-12 and risk-free");
  });

  it("keeps secrets out of every logged line, including messages and errors", () => {
    const { lines, logger } = capture();
    const token = "tok_" + "9".repeat(24);
    registerSecret(token);
    logger.info({ req: { headers: { authorization: `Bearer ${token}` } } }, "calling");
    logger.warn(`message mentioning ${token}`);
    logger.error({ err: new Error(`failed with ${token}`) }, "boom");
    logger.trace({ deep: { a: { b: { token } } } }, "deep");
    expect(lines.length).toBe(4);
    for (const line of lines) expect(line).not.toContain(token);
    expect(lines.join("")).toContain(REDACTED);
  });

  it("masks values under secret-named keys in log lines even when nobody registered them", () => {
    // Only the key-name layer can hide these: none is registered, and none is key- or JWT-shaped.
    const { lines, logger } = capture();
    const values = { password: "plain-pass-word-zz91", "x-api-key": "unregistered-api-value-77", cookie: "session=abc123def456ghi" };
    logger.info({ ...values, headers: { Cookie: values.cookie, "X-API-KEY": values["x-api-key"] }, nested: { Password: values.password } }, "request");
    expect(lines).toHaveLength(1);
    for (const value of Object.values(values)) expect(lines[0]).not.toContain(value);
    expect(lines[0]).toContain(REDACTED);
  });
});

