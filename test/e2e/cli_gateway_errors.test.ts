/**
 * The CLI's --json error line against a third-party-shaped gateway (a loopback stub): a spent
 * LiteLLM budget comes out typed (kind and code), not as an invalid request.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineEnv, runCli } from "../helpers/cli.js";
import { startStubGateway, stubGatewayEnv, type StubGateway } from "../helpers/stub_gateway.js";

const dir = mkdtempSync(join(tmpdir(), "cli-gateway-errors-"));
let stub: StubGateway;
beforeAll(async () => {
  stub = await startStubGateway();
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("run --json against a gateway whose budget is spent", () => {
  it("ends with an error line carrying kind quota and code gateway_budget_exceeded, exit 1", async () => {
    stub.enqueueChat({ status: 400, body: { error: { message: "Budget has been exceeded! Current cost: 10.0421, Max budget: 10.0", type: "budget_exceeded", param: null, code: "400" } } });
    const env = offlineEnv({ ...stubGatewayEnv(stub), CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite") });
    const { code, stdout, stderr } = await runCli(["--json", "--tier", "fast", "What is 2 + 2?"], env);
    expect(code, stderr).toBe(1);
    const last = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ type: "error", kind: "quota", code: "gateway_budget_exceeded" });
    expect(last.message).toMatch(/quota or budget is used up/);
    expect(stdout).not.toContain(stub.clientSecret);
  }, 90_000);
});
