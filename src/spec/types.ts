/**
 * The configuration (the spec): the single source of truth for a model.
 * The editor edits it, the URL will encode it, the compiler reads it.
 */

/** A block placed in a slot: its registered kind and its parameters. */
export interface BlockRef {
  kind: string;
  params: Record<string, unknown>;
}

/** Where the norms sit around each sub-block (Peri-LN paper's names). */
export type NormPlacement = 'pre' | 'post' | 'peri';

/** One layer of the stack. */
export interface LayerSpec {
  mixer: BlockRef;
  norm: BlockRef;
  placement: NormPlacement;
  ffn: BlockRef;
}

/** A whole model. */
export interface Spec {
  version: 1;
  /** Seed of every weight's random stream. */
  seed: number;
  dModel: number;
  nHeads: number;
  /** Longest text (in tokens) the model takes. */
  maxLen: number;
  vocab: 'char';
  position: BlockRef;
  layers: LayerSpec[];
}
