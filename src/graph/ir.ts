/**
 * The tensor-op IR: what a compiled model is before it becomes ONNX.
 *
 * Every node records its op kind (an ONNX operator name), its inputs, its attributes and the
 * scope (layer and block) that emitted it. That is all a later reverse-mode differentiation pass
 * needs to walk the graph backwards, so training can be added without changing this file's shape.
 */

/** Element types the playground uses. */
export type DType = 'float32' | 'int64' | 'bool';

/** A typed handle to a value in the graph: its unique name, element type and static shape. */
export interface Tensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** An attribute value, typed as ONNX types it. */
export type AttrValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'string'; value: string };

/** One operation. `op` is the ONNX operator type; outputs are produced in order. */
export interface OpNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Where the op came from, e.g. "layer 0 · softmax_attention". */
  readonly scope: string;
}

/** How an initialiser's values were made; documented so a reader can reproduce them. */
export type InitScheme =
  | { kind: 'normal'; std: number }
  | { kind: 'constant'; value: number }
  | { kind: 'data' };

/** A stored tensor (weight or constant) with its values. */
export interface Initializer {
  readonly tensor: Tensor;
  /** The values. A weight's are drawn on first read and then kept, so costing a graph is cheap. */
  readonly data: Float32Array | BigInt64Array | Uint8Array;
  readonly init: InitScheme;
  /** True for learnable weights, false for constants such as index tables. */
  readonly trainable: boolean;
  /**
   * A weight the training step sets from the data rather than the optimizer (BatchNorm's running
   * statistics): trainable (fed and stored like every weight) but given no gradient step; the
   * training graph returns its next value as next.<name> (compile option `training`).
   */
  readonly statistic?: boolean;
  readonly scope: string;
}

/** A whole graph: inputs, outputs, initialisers and nodes in topological order. */
export interface Graph {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly initializers: readonly Initializer[];
  readonly nodes: readonly OpNode[];
  /** Tensors a gradient does not flow through (stop-gradient), e.g. σReparam's power-iteration vectors. */
  readonly detached?: readonly string[];
  /** Per-feature affine maps y = x ⊙ scale + shift that may be folded into the linear layers reading y (graph/fold.ts). */
  readonly affines?: readonly Affine[];
}

/** y = x ⊙ scale + shift over the last axis (scale, shift [d], from weights only), by tensor names. */
export interface Affine {
  readonly y: string;
  readonly x: string;
  readonly scale: string;
  readonly shift: string;
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes per element for each dtype. */
export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, int64: 8, bool: 1 };

/** Bytes of a tensor's values. */
export function tensorBytes(t: Tensor): number {
  return numel(t.shape) * BYTES_PER_ELEMENT[t.dtype];
}
