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
const mixer = (kind: string, params: Record<string, unknown> = {}) => (l: LayerSpec): LayerSpec => ({ ...l, mixer: { kind, params } });

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
  {
    id: 'llama-style',
    title: 'LLaMA-style: RoPE, RMSNorm, SwiGLU, grouped-query',
    citation: 'Touvron et al., 2023. LLaMA: Open and Efficient Foundation Language Models.',
    description: 'Rotary positions, pre-RMSNorm, SwiGLU feed-forward, and 2 key/value heads shared by 4 query heads.',
    spec: () => ({
      ...defaultSpec(),
      name: 'LLaMA-style decoder',
      position: { kind: 'rope', params: { base: 10000, fraction: 1 } },
      layers: layers(2, (l) => ({ ...l, mixer: { kind: 'softmax_attention', params: { causal: true, kvHeads: 2 } }, norm: { kind: 'rms_norm', params: { epsilon: 1e-6 } }, ffn: { kind: 'glu', params: { variant: 'swiglu', expansion: 4 } } })),
    }),
  },
  {
    id: 'alibi',
    title: 'ALiBi: linear biases instead of position embeddings',
    citation: 'Press et al., 2022. Train Short, Test Long: Attention with Linear Biases Enables Input Length Extrapolation.',
    description: 'No position vectors; each head penalises distance with its own slope, so heads range from local to global.',
    spec: () => ({ ...defaultSpec(), name: 'ALiBi decoder', position: { kind: 'alibi', params: {} } }),
  },
  {
    id: 'sliding-window',
    title: 'Sliding-window attention (window 8)',
    citation: 'Beltagy et al., 2020. Longformer: The Long-Document Transformer.',
    description: 'Each token attends to itself and the 7 tokens before it: the map is a diagonal band.',
    spec: () => ({ ...defaultSpec(), name: 'Sliding-window decoder', layers: layers(2, mixer('sliding_window', { window: 8 })) }),
  },
  {
    id: 'sinks',
    title: 'Attention sinks + local window',
    citation: 'Xiao et al., 2023. Efficient Streaming Language Models with Attention Sinks.',
    description: 'The first 4 tokens stay visible to every token; the rest only within a window of 8.',
    spec: () => ({ ...defaultSpec(), name: 'Sink-token decoder', layers: layers(2, mixer('sink_attention', { sinks: 4, window: 8 })) }),
  },
  {
    id: 'dilated-local',
    title: 'Local and dilated layers, alternating',
    citation: 'Wu et al., 2022. D-Former: A U-shaped Dilated Transformer for 3D Medical Image Segmentation.',
    description: 'A sliding-window layer, then a dilated layer that sees every 4th token, twice over.',
    spec: () => ({
      ...defaultSpec(),
      name: 'Local/dilated decoder',
      layers: [mixer('sliding_window', { window: 4 }), mixer('dilated_attention', { dilation: 4, span: 16 }), mixer('sliding_window', { window: 4 }), mixer('dilated_attention', { dilation: 4, span: 16 })].map((f) => f(defaultLayer())),
    }),
  },
  {
    id: 'moe',
    title: 'Mixture of experts (4 experts, top-2)',
    citation: 'Fedus et al., 2021. Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity.',
    description: 'Each token is routed to 2 of 4 expert MLPs; the router probabilities are a graph output.',
    spec: () => ({ ...defaultSpec(), name: 'MoE decoder', layers: layers(2, (l) => ({ ...l, ffn: { kind: 'moe', params: { experts: 4, k: 2, expansion: 2 } } })) }),
  },
  {
    id: 'parallel',
    title: 'Parallel attention and MLP (PaLM)',
    citation: 'Chowdhery et al., 2022. PaLM: Scaling Language Modeling with Pathways.',
    description: 'Attention and the MLP read the same input and are added together.',
    spec: () => ({ ...defaultSpec(), name: 'Parallel-block decoder', layers: layers(2, (l) => ({ ...l, topology: { kind: 'parallel', params: {} } })) }),
  },
  {
    id: 'looped',
    title: 'One layer looped 4 times',
    citation: 'Xu & Sato, 2024. On the Expressive Power of a Variant of the Looped Transformer.',
    description: 'A single layer applied 4 times with the same weights: 4 maps, one layer of parameters.',
    spec: () => ({ ...defaultSpec(), name: 'Looped decoder', layers: layers(1), loops: [{ start: 0, end: 0, count: 4 }] }),
  },
  {
    id: 'linear-attention',
    title: 'Linear attention (elu + 1 features)',
    citation: 'Katharopoulos et al., 2020. Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention.',
    description: 'Attention without a softmax: cost grows linearly with length, and the map shown is its exact implicit map.',
    spec: () => ({ ...defaultSpec(), name: 'Linear-attention decoder', layers: layers(2, mixer('linear_attention', { feature: 'elu1' })) }),
  },
  {
    id: 'retnet',
    title: 'RetNet: multi-scale retention',
    citation: 'Sun et al., 2023. Retentive Network: A Successor to Transformer for Large Language Models.',
    description: 'Retention with a different decay per head, computed chunk by chunk; the map shows each head fading at its own rate.',
    spec: () => ({ ...defaultSpec(), name: 'RetNet-style decoder', position: { kind: 'rope', params: { base: 10000, fraction: 1 } }, layers: layers(2, mixer('retention', {})) }),
  },
  {
    id: 'mamba-hybrid',
    title: 'Mamba-2 hybrid: one attention layer per three Mamba-2 layers',
    citation: 'Waleffe et al., 2024. An Empirical Study of Mamba-based Language Models.',
    description: 'Layers M, M, M, A: selective state spaces with one softmax attention layer on top.',
    spec: () => ({ ...defaultSpec(), name: 'Mamba-2 hybrid', layers: [...layers(3, mixer('mamba2', {})), defaultLayer()] }),
  },
  {
    id: 'deltanet-hybrid',
    title: 'DeltaNet with sliding-window layers',
    citation: 'Yang et al., 2024. Parallelizing Linear Transformers with the Delta Rule over Sequence Length.',
    description: 'Delta-rule layers, which overwrite what they store under a key, alternating with local softmax windows.',
    spec: () => ({ ...defaultSpec(), name: 'DeltaNet hybrid', layers: [mixer('deltanet', {}), mixer('sliding_window', { window: 8 }), mixer('deltanet', {}), mixer('sliding_window', { window: 8 })].map((f) => f(defaultLayer())) }),
  },
  {
    id: 'poolformer',
    title: 'PoolFormer: average pooling as the token mixer',
    citation: 'Yu et al., 2022. MetaFormer Is Actually What You Need for Vision.',
    description: 'No attention at all: each token takes the average of the last 3 tokens minus itself.',
    spec: () => ({ ...defaultSpec(), name: 'PoolFormer decoder', layers: layers(2, mixer('pooling', { size: 3, causal: true })) }),
  },
  {
    id: 'sigma-reparam',
    title: 'No LayerNorm, σReparam on every linear layer',
    citation: 'Zhai et al., 2023. Stabilizing Transformer Training by Preventing Attention Entropy Collapse.',
    description: 'Norm-free layers; each linear weight is rescaled to spectral norm γ = 1.',
    spec: () => ({ ...defaultSpec(), name: 'σReparam decoder', layers: layers(2, (l) => ({ ...l, norm: { kind: 'none', params: {} } })), sigmaReparam: { enabled: true, gamma: 1 } }),
  },
];

/** The preset with `id`, or undefined. */
export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
