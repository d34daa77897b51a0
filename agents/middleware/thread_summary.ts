/**
 * Keeps a long thread within a tier's token budget with LangChain's summarization middleware's
 * own hook, run before an agent attempt's first model call. When the conversation is over `contextTokens` (LangChain's approximate
 * count, about 4 characters a token), the older part is summarised by `model` (the fast tier's)
 * and replaced by one summary message; the newest half of the budget stays word for word. The
 * agent runs on that shorter conversation, and the orchestrator writes it to the thread
 * (nodes/agent.ts), so later runs, and every checkpoint, carry the summary instead.
 *
 * Two things are added around LangChain's hook:
 * - A summary call that fails changes nothing: the run goes on with the whole conversation.
 *   (The middleware itself would replace the older messages with "Error generating summary:"
 *   and the error's text, which may come from upstream.)
 * - The summary call's tokens are counted with the run's, on the fast tier.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { RemoveMessage, type BaseMessage } from "@langchain/core/messages";
import { RunnableLambda, type RunnableConfig } from "@langchain/core/runnables";
import { summarizationMiddleware } from "langchain";
import { middlewareHook } from "../langchain_private.js";
import { describeModelFailure } from "../../src/providers/failure.js";
import { callRecord, currentLedger } from "./model_calls.js";

/** `additional_kwargs.lc_source` of the summary message LangChain's middleware writes. */
export const SUMMARY_SOURCE = "summarization";

/** Whether `message` is a thread summary. */
export function isSummaryMessage(message: BaseMessage): boolean {
  return (message.additional_kwargs as { lc_source?: unknown } | undefined)?.lc_source === SUMMARY_SOURCE;
}

/**
 * A function that, given a thread's messages, returns them summarised when they are over
 * `contextTokens` ([summary, ...the newest half of the budget]), else undefined. Called once per
 * agent attempt, before its first model call (a hook run before every model call would be one
 * more graph step per call: about a tenth of a run at zero model latency).
 */
export function threadSummarizer(options: { model: BaseChatModel; contextTokens: number }) {
  const attempts = new AsyncLocalStorage<{ failed: boolean }>();
  // The middleware only calls `invoke` on its model; this one records the call and its failure.
  const writer = RunnableLambda.from(async (prompt: string, config?: RunnableConfig) => {
    try {
      const message = await options.model.invoke(prompt, config);
      currentLedger()?.recordSummary({ ...callRecord(message), text: false });
      return message;
    } catch (err) {
      const attempt = attempts.getStore();
      if (attempt) attempt.failed = true;
      currentLedger()?.recordSummary({ provider: describeModelFailure(err).provider ?? "unknown", text: false });
      throw err;
    }
  });
  const inner = summarizationMiddleware({
    model: writer as unknown as BaseChatModel,
    trigger: { tokens: options.contextTokens },
    keep: { tokens: Math.floor(options.contextTokens / 2) },
  });
  const hook = middlewareHook(inner, "beforeModel");
  return async (messages: BaseMessage[], config: RunnableConfig): Promise<BaseMessage[] | undefined> => {
    const attempt = { failed: false };
    // The hook reads its settings from the run context too (ours sets none) and runs its model call with the run's config.
    const update = await attempts.run(attempt, () => hook({ messages } as never, { ...config, context: {} } as never));
    if (attempt.failed || !update) return undefined;
    // [RemoveMessage(all), summary, ...kept]: the list that replaces the thread's.
    return (update as { messages: BaseMessage[] }).messages.filter((m) => !RemoveMessage.isInstance(m));
  };
}

/** A thread summarizer (see `threadSummarizer`). */
export type ThreadSummarizer = ReturnType<typeof threadSummarizer>;
