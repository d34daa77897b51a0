/** Process wiring shared by the CLI, the HTTP server and the Studio module: `.env`, the registry, the emulator. */
export { createRuntime, getDefaultRuntime, anyProviderConfigured, type Runtime, type RuntimeOptions } from "./runtime.js";
