/** zod building blocks shared by the environment schema and the fallback providers' variables. */
import { z } from "zod";

/** A trimmed string; blank means "not set". */
export const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/** An http(s) URL; blank means "not set". */
export const optionalUrl = optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional());
