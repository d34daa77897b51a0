import { describe, expect, it } from "vitest";
import { createDateTimeTool, describeDateTime } from "../../agents/tools/index.js";

// 2025-03-09T23:45:30.123Z: a Sunday in UTC, already Monday in Asia, still Sunday in America.
const FIXED = new Date("2025-03-09T23:45:30.123Z");
const tool = createDateTimeTool(() => FIXED);
const run = async (timezone?: string): Promise<string> => String(await tool.invoke(timezone === undefined ? {} : { timezone }));

/** Parses the tool's `key: value` lines. */
const fields = (text: string): Record<string, string> =>
  Object.fromEntries(text.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]));

describe("current_datetime tool", () => {
  it("is named current_datetime", () => {
    expect(tool.name).toBe("current_datetime");
  });

  it.each([
    [undefined, "UTC", "2025-03-09T23:45:30+00:00 (Sunday)", "+00:00"],
    ["UTC", "UTC", "2025-03-09T23:45:30+00:00 (Sunday)", "+00:00"],
    ["Asia/Kolkata", "Asia/Kolkata", "2025-03-10T05:15:30+05:30 (Monday)", "+05:30"],
    ["Asia/Kathmandu", "Asia/Kathmandu", "2025-03-10T05:30:30+05:45 (Monday)", "+05:45"],
    ["Europe/Berlin", "Europe/Berlin", "2025-03-10T00:45:30+01:00 (Monday)", "+01:00"],
    // US daylight saving time started at 2025-03-09 02:00 local: -04:00, not -05:00.
    ["America/New_York", "America/New_York", "2025-03-09T19:45:30-04:00 (Sunday)", "-04:00"],
    ["Pacific/Honolulu", "Pacific/Honolulu", "2025-03-09T13:45:30-10:00 (Sunday)", "-10:00"],
    ["  europe/berlin  ", "Europe/Berlin", "2025-03-10T00:45:30+01:00 (Monday)", "+01:00"],
    ["Asia/Calcutta", "Asia/Calcutta", "2025-03-10T05:15:30+05:30 (Monday)", "+05:30"],
  ])("%s", async (zone, resolved, local, offset) => {
    const f = fields(await run(zone));
    expect(f.time_zone).toBe(resolved);
    expect(f.local).toBe(local);
    expect(f.utc_offset).toBe(offset);
    expect(f.utc).toBe("2025-03-09T23:45:30.123Z");
  });

  it.each(["Mars/Olympus_Mons", "Asia/Kolkatta", "not a zone", "+25:00"])("refuses the unknown zone %s by name", async (zone) => {
    const text = await run(zone);
    expect(text).toMatch(/^Error: unknown time zone/);
    expect(text).toContain(zone.trim());
    expect(text).toContain("IANA");
  });

  it("reads the clock on every call", async () => {
    let now = new Date("2024-02-29T12:00:00Z");
    const ticking = createDateTimeTool(() => now);
    expect(fields(String(await ticking.invoke({}))).local_date).toBe("2024-02-29");
    now = new Date("2024-03-01T00:00:00Z");
    expect(fields(String(await ticking.invoke({}))).local_date).toBe("2024-03-01");
  });

  it("uses the system clock by default", async () => {
    const before = Date.now();
    const utc = fields(String(await createDateTimeTool().invoke({}))).utc;
    expect(Date.parse(utc)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(utc)).toBeLessThanOrEqual(Date.now() + 1);
  });

  it("describeDateTime treats a blank zone as UTC", () => {
    expect(fields(describeDateTime(FIXED, "")).time_zone).toBe("UTC");
  });
});
