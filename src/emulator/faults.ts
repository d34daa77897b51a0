/**
 * Where faults come from: a per-request header, a FIFO queue, or a seeded random draw.
 * The observable effect of each kind is applied by the HTTP handlers; this module only
 * decides *which* fault (if any) a request gets, reproducibly.
 */
import { FAULT_KINDS, TRANSIENT_FAULT_KINDS, type EnqueueFaultOptions, type FaultKind } from "./types.js";

/** Kinds accepted in `x-emulator-fault`: every FaultKind plus the header-only "stream-error". */
export type HeaderFaultKind = FaultKind | "stream-error";

/** A fault chosen for one request, with its options. */
export interface FaultSpec extends EnqueueFaultOptions {
  kind: HeaderFaultKind;
}

/** Narrows a string to a FaultKind. */
export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === "string" && (FAULT_KINDS as readonly string[]).includes(value);
}

/** Narrows a string to a kind allowed in the `x-emulator-fault` header. */
export function isHeaderFaultKind(value: unknown): value is HeaderFaultKind {
  return value === "stream-error" || isFaultKind(value);
}

/** mulberry32: a tiny seeded PRNG in [0, 1), so fault sequences replay exactly for a seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Settings of random fault injection. */
export interface FaultPlanOptions {
  faultRate?: number;
  faultSeed?: number;
  faultKinds?: readonly FaultKind[];
}

/** Decides the fault of each request: header first, then the FIFO queue, then the random draw. */
export class FaultPlan {
  private readonly chatQueue: FaultSpec[] = [];
  private readonly tokenQueue: FaultSpec[] = [];
  private readonly random: () => number;
  private readonly rate: number;
  private readonly chatKinds: FaultKind[];
  private readonly tokenKinds: FaultKind[];

  constructor(options: FaultPlanOptions = {}) {
    this.rate = Math.min(1, Math.max(0, options.faultRate ?? 0));
    this.random = mulberry32(options.faultSeed ?? 1);
    const kinds = [...(options.faultKinds ?? TRANSIENT_FAULT_KINDS)];
    this.chatKinds = kinds.filter((k) => k !== "token-endpoint-down");
    this.tokenKinds = kinds.filter((k) => k === "token-endpoint-down");
  }

  /** Queues a fault for the next token request ("token-endpoint-down") or the next chat request. */
  enqueue(kind: FaultKind, options: EnqueueFaultOptions = {}): void {
    const spec: FaultSpec = { ...options, kind };
    if (kind === "token-endpoint-down") this.tokenQueue.push(spec);
    else this.chatQueue.push(spec);
  }

  /** The fault for a chat request carrying `header` (already validated), or undefined. */
  nextForChat(header: HeaderFaultKind | undefined): FaultSpec | undefined {
    if (header !== undefined) return { kind: header };
    const queued = this.chatQueue.shift();
    if (queued) return queued;
    return this.draw(this.chatKinds);
  }

  /** The fault for a token request; the queue and random draws only hold "token-endpoint-down". */
  nextForToken(header: HeaderFaultKind | undefined): FaultSpec | undefined {
    if (header !== undefined) return { kind: header };
    const queued = this.tokenQueue.shift();
    if (queued) return queued;
    return this.draw(this.tokenKinds);
  }

  /** Drops every queued fault. */
  clear(): void {
    this.chatQueue.length = 0;
    this.tokenQueue.length = 0;
  }

  private draw(kinds: readonly FaultKind[]): FaultSpec | undefined {
    if (this.rate <= 0 || kinds.length === 0) return undefined;
    if (this.random() >= this.rate) return undefined;
    return { kind: kinds[Math.floor(this.random() * kinds.length)] };
  }
}
