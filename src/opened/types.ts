/**
 * An ONNX model a person opened (docs/using.md, "Open your own model"): what the page knows of it.
 * Everything here is plain data, computed from the file alone (src/opened/read.ts), in the worker
 * that will run it; the person's file is never changed: probes go into a copy (src/opened/tap.ts).
 */

/** The element types of inputs the page can feed. */
export type FeedType = 'float32' | 'int64' | 'int32' | 'bool';

/**
 * What an input of the model is, read from its name and type: token ids, an attention mask,
 * position ids, token type (segment) ids, or anything else (image pixels, audio features), which
 * is fed from a file or with zeros.
 */
export type InputRole = 'ids' | 'mask' | 'positions' | 'types' | 'other';

/** One dimension of a tensor: a number when fixed, the exporter's name (or '?') when dynamic. */
export type Dim = number | string;

export interface OpenedInput {
  name: string;
  role: InputRole;
  type: FeedType;
  dims: Dim[];
}

export interface OpenedOutput {
  name: string;
  /** The ONNX element type's name ('float32', 'int64', …). */
  type: string;
  dims: Dim[];
}

/**
 * One attention found in the graph: scores = MatMul(q, kᵀ) → (scale, mask or bias add) → Softmax →
 * MatMul(probabilities, v). The Softmax output is what a probe taps.
 */
export interface AttentionSite {
  /** Index among the sites found, in the graph's order: the "layer" the views name. */
  layer: number;
  /** The Softmax node's name (or `#<index>` when it has none). */
  softmax: string;
  /** The Softmax output tensor: the attention probabilities, [B, H, Tq, Tk] or [B·H, Tq, Tk]. */
  output: string;
  /** The MatMul that makes the scores, and the one that weights the values (node names). */
  scores: string;
  values: string;
  /** Heads when the graph fixes them (a Reshape's constant shape, or shape information); null when only a run tells. */
  heads: number | null;
}

/** A fused attention node (onnxruntime's com.microsoft Attention, MultiHeadAttention, …) whose probabilities never leave it. */
export interface FusedSite {
  node: string;
  opType: string;
  domain: string;
  /** One sentence: why its map cannot be drawn, and what export would show it. */
  why: string;
}

/** What the page knows of an opened model before running it. */
export interface OpenedInfo {
  fileName: string;
  fileBytes: number;
  irVersion: number;
  /** The default domain's opset. */
  opset: number;
  producer: string;
  inputs: OpenedInput[];
  outputs: OpenedOutput[];
  attention: AttentionSite[];
  fused: FusedSite[];
  /** Rows of the embedding table the ids input indexes (a Gather on an initializer); null when not found. */
  vocabSize: number | null;
  /** The output holding next-token scores [B, T, V] (last dimension = vocabSize, or any rank-3 float output of a model without ids); null when none. */
  logits: string | null;
  /** Whether `logits` already holds probabilities (it is a Softmax's output) rather than scores. */
  logitsAreProbabilities: boolean;
  /** Bytes of the initializers (the weights). */
  weightBytes: number;
  /** Nodes in the graph. */
  nodes: number;
}

/** Refusal of an opened file: one sentence that says what is wrong and what to do. */
export class OpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpenError';
  }
}

/** An input tensor built for a run of an opened model; the element type follows the array (bool as Uint8Array). */
export interface FeedTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** How an input that is not text is fed: zeros of the given dims, or given data (read from a file). */
export type OtherFeed = { kind: 'zeros'; dims: number[] } | { kind: 'data'; dims: number[]; data: Float32Array | BigInt64Array | Int32Array };
