/**
 * Puts the agents' streamed tokens into the orchestrator's own `messages` stream.
 *
 * The tier agents are subgraphs, and LangGraph's `messages` mode drops tokens from inside a
 * subgraph unless the caller streams with `subgraphs: true`. Studio, the SDK and most apps
 * don't, so without this relay they would see an agent's answer only as a whole message at the
 * end. When the run streams messages without subgraphs, the relay hands each token of an
 * agent's model call to the run's messages stream (through the fence, agents/langchain_private.ts) as if it came from the agent's node; with
 * `subgraphs: true` LangGraph streams the tokens itself and the relay stays off, so no token is
 * sent twice. Internal calls (tagged "langsmith:nostream", like the classifier) are never relayed.
 */
import { BaseCallbackHandler, type HandleLLMNewTokenCallbackFields, type NewTokenIndices } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { messagesStreamOf, type MessagesStream } from "../../agents/langchain_private.js";
import type { Tier } from "../../src/providers/types.js";

class TokenRelay extends BaseCallbackHandler {
  name = "OrchestratorTokenRelay";
  // Asks chat models to stream, as LangGraph's own handler does.
  lc_prefer_streaming = true;
  private readonly runs = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly target: MessagesStream,
    private readonly namespace: string[],
    private readonly node: string,
    private readonly tier: Tier,
    private readonly subtaskId?: string,
  ) {
    super();
  }

  override handleChatModelStart(_llm: unknown, _messages: unknown, runId: string, _parentRunId?: string, _extra?: unknown, tags?: string[], metadata?: Record<string, unknown>, name?: string): void {
    if (tags?.includes("langsmith:nostream") || tags?.includes("nostream")) return;
    this.runs.set(runId, { ...metadata, tags, name, langgraph_node: this.node, tier: this.tier, agent: this.node, ...(this.subtaskId ? { subtask_id: this.subtaskId } : {}) });
  }

  override handleLLMNewToken(token: string, _idx: NewTokenIndices, runId: string, _parentRunId?: string, _tags?: string[], fields?: HandleLLMNewTokenCallbackFields): void {
    const meta = this.runs.get(runId);
    if (!meta) return;
    const chunk = fields?.chunk as { message?: BaseMessage } | undefined;
    this.target.emit(this.namespace, meta, chunk?.message ?? new AIMessageChunk({ content: token }), runId);
  }

  override handleLLMEnd(_output: unknown, runId: string): void {
    this.runs.delete(runId);
  }

  override handleLLMError(_err: unknown, runId: string): void {
    this.runs.delete(runId);
  }
}

/** `config` for invoking the agent of `tier` from node `node` (for a plan's `subtaskId`), with the relay attached when it is needed. */
export function withTokenRelay(config: LangGraphRunnableConfig, node: string, tier: Tier, subtaskId?: string): LangGraphRunnableConfig {
  const manager = config.callbacks;
  if (!(manager instanceof CallbackManager)) return config;
  const target = messagesStreamOf(manager.handlers);
  if (!target || target.subgraphs) return config;
  // The namespace a model call made directly in this node would stream under.
  const ns = String(config.metadata?.langgraph_checkpoint_ns ?? "").split("|").filter(Boolean).slice(0, -1);
  const callbacks = manager.copy();
  callbacks.addHandler(new TokenRelay(target, ns, node, tier, subtaskId), true);
  return { ...config, callbacks };
}
