/** The default model: GPT-2-shaped and small enough to redraw on every keystroke. */
import { SPEC_VERSION, type LayerSpec, type Spec } from './types';

/** One default layer: pre-LN, causal softmax attention, GELU MLP. */
export function defaultLayer(): LayerSpec {
  return {
    mixer: { kind: 'softmax_attention', params: { causal: true, kvHeads: 0 } },
    norm: { kind: 'layer_norm', params: { epsilon: 1e-5 } },
    placement: 'pre',
    ffn: { kind: 'mlp', params: { activation: 'gelu', expansion: 4 } },
    topology: { kind: 'sequential', params: {} },
  };
}

/** 2 layers, d_model 64, 4 heads, learned absolute positions, character vocabulary. */
export function defaultSpec(): Spec {
  return {
    version: SPEC_VERSION,
    name: 'Default: small GPT-2-style decoder',
    seed: 1,
    dModel: 64,
    nHeads: 4,
    maxLen: 128,
    tokenizer: { kind: 'char' },
    position: { kind: 'learned_absolute', params: {} },
    layers: [defaultLayer(), defaultLayer()],
    loops: [],
    sigmaReparam: { enabled: false, gamma: 1 },
  };
}

/** The text shown on first load. */
export const DEFAULT_TEXT = 'The cat sat on the mat because it was warm.';
