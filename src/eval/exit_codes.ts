/**
 * The eval's exit codes: the CLI's (`EXIT` in src/cli/commands.ts; a unit test keeps them equal),
 * repeated here so that a bad task file is refused without loading the orchestrator.
 */
export const EVAL_EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
