/** Presets: named models, each with the paper it follows. Data only. */
import { defaultLayer, defaultSpec } from '../spec/defaults';
import type { LayerSpec, Spec } from '../spec/types';

export interface Preset {
  /** Used on the command line (`--preset ID`) and in links. */
  id: string;
  title: string;
  /** The paper the preset follows. */
  citation: string;
  description: string;
  spec(): Spec;
}

const layers = (n: number, f: (l: LayerSpec) => LayerSpec = (l) => l) => Array.from({ length: n }, () => f(defaultLayer()));

export const PRESETS: readonly Preset[] = [
  {
    id: 'default',
    title: 'Small GPT-2-style decoder',
    citation: 'Radford et al., 2019. Language Models are Unsupervised Multitask Learners.',
    description: '2 layers, d_model 64, 4 heads, pre-LN LayerNorm, learned positions, causal softmax attention, GELU MLP.',
    spec: defaultSpec,
  },
  {
    id: 'post-ln',
    title: 'Original Transformer decoder (Post-LN)',
    citation: 'Vaswani et al., 2017. Attention Is All You Need.',
    description: 'The norm after each residual addition, as in the original paper; no final norm.',
    spec: () => ({ ...defaultSpec(), name: 'Post-LN decoder', layers: layers(2, (l) => ({ ...l, placement: 'post' })) }),
  },
  {
    id: 'peri-ln',
    title: 'Peri-LN decoder',
    citation: 'Kim et al., 2025 (ICML). Peri-LN: Revisiting Normalization Layer in the Transformer Architecture.',
    description: 'A norm on the input and on the output of every sub-block.',
    spec: () => ({ ...defaultSpec(), name: 'Peri-LN decoder', layers: layers(2, (l) => ({ ...l, placement: 'peri' })) }),
  },
  {
    id: 'rmsnorm',
    title: 'Pre-RMSNorm decoder, 4 layers',
    citation: 'Zhang & Sennrich, 2019. Root Mean Square Layer Normalization.',
    description: 'LayerNorm replaced by RMSNorm in a 4-layer pre-norm decoder.',
    spec: () => ({ ...defaultSpec(), name: 'Pre-RMSNorm decoder', layers: layers(4, (l) => ({ ...l, norm: { kind: 'rms_norm', params: { epsilon: 1e-6 } } })) }),
  },
];

/** The preset with `id`, or undefined. */
export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
