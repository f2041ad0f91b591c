/**
 * The configuration (the spec): the single source of truth for a model.
 * The editor edits it, the URL encodes it, the compiler reads it. Its format is versioned:
 * migrate.ts brings older documents up to SPEC_VERSION, schema.ts validates them.
 */

/** The format version this code writes. */
export const SPEC_VERSION = 2;

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
  /** How the layer's sub-blocks meet the residual stream (sequential, parallel, ladder). */
  topology: BlockRef;
}

/** Layers start … end (inclusive, 0-based) run `count` times in a row, sharing their weights. */
export interface LoopSpec {
  start: number;
  end: number;
  count: number;
}

/** How text becomes tokens. */
export interface TokenizerSpec {
  kind: 'char';
}

/** A whole model. */
export interface Spec {
  version: typeof SPEC_VERSION;
  /** Shown in the top bar and in exported files. */
  name: string;
  /** Seed of every weight's random stream. */
  seed: number;
  dModel: number;
  nHeads: number;
  /** Longest text (in tokens) the model takes. */
  maxLen: number;
  tokenizer: TokenizerSpec;
  position: BlockRef;
  layers: LayerSpec[];
  /** Weight-shared loops over groups of layers; none by default. */
  loops: LoopSpec[];
  /** σReparam on every linear layer: Ŵ = (γ / ‖W‖₂) W (Zhai et al., 2023). */
  sigmaReparam: { enabled: boolean; gamma: number };
}
