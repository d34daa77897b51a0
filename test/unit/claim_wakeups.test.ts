/**
 * A run waiting for a thread (enqueue) tries again as soon as a claim on it is given back in this
 * process, instead of at its next poll. The timers are frozen, so only the wake-up can end the wait.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { processClaims, waitForClaim, type ThreadClaims } from "../../graphs/thread_claims.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function waiter(claims: ThreadClaims, threadId: string) {
  let tries = 0;
  const wait = waitForClaim(
    () => {
      tries++;
      return claims.tryClaim(threadId);
    },
    { deadline: Date.now() + 60_000, wake: (listener) => claims.onRelease(threadId, listener) },
  );
  return { wait, tries: () => tries };
}

describe("waiting for a thread in this process", () => {
  it("gets the claim when the holder gives it back, on the first, second and third hand-overs, without a timer firing", async () => {
    const claims = processClaims();
    let held = await claims.tryClaim("t");
    for (let turn = 0; turn < 3; turn++) {
      const w = waiter(claims, "t");
      await vi.advanceTimersByTimeAsync(0);
      expect(w.tries()).toBe(1);
      await held!.release();
      const next = await w.wait;
      expect(next).not.toBe("timeout");
      expect(w.tries()).toBe(2);
      held = next as Awaited<ReturnType<ThreadClaims["tryClaim"]>>;
    }
    await held!.release();
  });

  it("a release of another thread does not wake it, and it stops listening once it has the claim", async () => {
    const claims = processClaims();
    const [a, b] = [await claims.tryClaim("a"), await claims.tryClaim("b")];
    const w = waiter(claims, "a");
    await vi.advanceTimersByTimeAsync(0);
    await b!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(w.tries()).toBe(1);
    // Its own poll still runs: the 20 ms pause ends with another try.
    await vi.advanceTimersByTimeAsync(20);
    expect(w.tries()).toBe(2);
    await a!.release();
    const got = await w.wait;
    expect(got).not.toBe("timeout");
    const triesThen = w.tries();
    await (got as { release(): Promise<void> }).release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.tries()).toBe(triesThen);
  });
});
