/**
 * `current_datetime` tool: the current time in UTC and in an IANA time zone, so a model
 * never guesses today's date. The clock is injectable for tests.
 */
import { tool } from "langchain";
import { z } from "zod";
import { markBuiltin } from "./source.js";

/** Returns "now"; replaced in tests by a fixed clock. */
export type Clock = () => Date;

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** Local wall-clock parts of `date` in `timeZone`; throws RangeError for an unknown zone. */
function zonedParts(date: Date, timeZone: string) {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "longOffset",
  });
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  // "GMT+05:30" -> "+05:30"; plain "GMT" is UTC itself.
  const gmt = parts.timeZoneName ?? "GMT";
  const offset = gmt === "GMT" ? "+00:00" : gmt.replace(/^GMT/, "");
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    offset,
    resolvedZone: format.resolvedOptions().timeZone,
  };
}

/**
 * Describes the instant `now` in `timeZone` (default UTC), or returns a message starting with
 * "Error:" when the zone is unknown. Never throws.
 */
export function describeDateTime(now: Date, timeZone = "UTC"): string {
  const zone = timeZone.trim() === "" ? "UTC" : timeZone.trim();
  let local: ReturnType<typeof zonedParts>;
  try {
    local = zonedParts(now, zone);
  } catch {
    return `Error: unknown time zone "${zone.slice(0, 64)}". Use an IANA name such as UTC, Europe/Berlin, America/New_York or Asia/Kolkata.`;
  }
  // Weekday of the local date, computed from the date string so it does not depend on the host zone.
  const weekday = WEEKDAYS[new Date(`${local.date}T00:00:00Z`).getUTCDay()];
  // ICU reports some zones by their old names (Asia/Kolkata -> Asia/Calcutta): keep the caller's
  // name then, and take ICU's spelling only to fix letter case.
  const name = local.resolvedZone.toLowerCase() === zone.toLowerCase() ? local.resolvedZone : zone;
  return [
    `time_zone: ${name}`,
    `local: ${local.date}T${local.time}${local.offset} (${weekday})`,
    `local_date: ${local.date}`,
    `local_time: ${local.time}`,
    `utc_offset: ${local.offset}`,
    `utc: ${now.toISOString()}`,
  ].join("\n");
}

/** Builds the `current_datetime` tool; `clock` defaults to the system clock. */
export function createDateTimeTool(clock: Clock = () => new Date()) {
  return markBuiltin(
    tool(({ timezone }) => describeDateTime(clock(), timezone ?? "UTC"), {
      name: "current_datetime",
      description:
        "Returns the current date and time: the UTC timestamp plus the local date, time, weekday and UTC offset " +
        "in the given time zone. Use it whenever the answer depends on today's date or the current time.",
      schema: z.object({
        timezone: z
          .string()
          .optional()
          .describe("IANA time zone name such as Europe/Berlin or Asia/Kolkata; defaults to UTC"),
      }),
    }),
  );
}
