/** The run service: one policy for every way a run comes in, and `streamSteps` over it. */
export { createRunService, RunService, type RunCaller, type RunRequest, type RunServiceOptions, type StartedRun } from "./service.js";
export { streamSteps, type StreamStepsOptions } from "./stream_steps.js";
export { RunRefusedError, type RunRefusal } from "./errors.js";
export { runLimitsOf, type RunLimits } from "./limits.js";
export { RUN_SURFACES, type RunSurface } from "./surfaces.js";
