/** How hints name the CLI: `npm start --` when npm runs this project's script, the installed command otherwise. */
import { describe, expect, it } from "vitest";
import { cliInvocation } from "../../src/runtime/entry.js";

describe("cliInvocation", () => {
  it("is npm start in this project's checkout, and the command's name anywhere else", () => {
    expect(cliInvocation({ npm_package_name: "ai-gateway-agents", npm_lifecycle_event: "start" })).toBe("npm start --");
    // An app's own npm script (or npx) that runs the installed command.
    expect(cliInvocation({ npm_package_name: "my-app", npm_lifecycle_event: "start" })).toBe("ai-gateway-agents");
    expect(cliInvocation({})).toBe("ai-gateway-agents");
  });
});
