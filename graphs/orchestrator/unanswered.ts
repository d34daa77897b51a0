/**
 * A thread's messages after a run that never answered (aborted, killed, failed, or abandoned
 * while it waited for approval): the router tidies them at the start of the next run, so the
 * user's message is kept once, marked, and never duplicated.
 */
import { HumanMessage, isHumanMessage, RemoveMessage, type BaseMessage } from "@langchain/core/messages";

/** Whether a stored human message was left without an answer (see `unansweredUpdates`). */
export const isUnanswered = (m: BaseMessage): boolean => isHumanMessage(m) && m.additional_kwargs?.unanswered === true;

/**
 * Human messages left without an answer just before this run's task: their run was aborted,
 * killed, failed or abandoned while waiting for approval. A repeat of this task is removed (the
 * new run answers it); any other is kept once and marked `additional_kwargs.unanswered`, which
 * `history` and the thread API show. Nothing when the conversation does not end with the task.
 */
export function unansweredUpdates(messages: BaseMessage[], task: string): BaseMessage[] {
  const last = messages.length - 1;
  if (last < 1 || !isHumanMessage(messages[last])) return [];
  const updates: BaseMessage[] = [];
  for (let i = last - 1; i >= 0 && isHumanMessage(messages[i]); i--) {
    const m = messages[i];
    if (!m.id) continue;
    if (m.text.trim() === task) updates.push(new RemoveMessage({ id: m.id }));
    else if (!isUnanswered(m)) updates.push(new HumanMessage({ id: m.id, content: m.content, name: m.name, additional_kwargs: { ...m.additional_kwargs, unanswered: true } }));
  }
  return updates;
}
