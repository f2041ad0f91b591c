/**
 * Presets: named models, each tied to the paper or system it follows, with a paragraph a student
 * can read before opening it. Data only (the lessons in lessons.ts build on them).
 */
import { defaultLayer, defaultSpec } from '../spec/defaults';
import type { BlockRef, LayerSpec, Spec } from '../spec/types';

export interface Preset {
  /** Used on the command line (`--preset ID`) and in links. */
  id: string;
  title: string;
  /** The paper or system the preset follows: "Authors, year. Title." */
  citation: string;
  /** A paragraph saying what the model is, what to look for in the views, and what was left out. */
  description: string;
  spec(): Spec;
}

const layers = (n: number, f: (l: LayerSpec) => LayerSpec = (l) => l) => Array.from({ length: n }, () => f(defaultLayer()));
const mixer = (kind: string, params: Record<string, unknown> = {}) => (l: LayerSpec): LayerSpec => ({ ...l, mixer: { kind, params } });
const RMS: BlockRef = { kind: 'rms_norm', params: { epsilon: 1e-6 } };
const SWIGLU: BlockRef = { kind: 'glu', params: { variant: 'swiglu', expansion: 4 } };
const ROPE: BlockRef = { kind: 'rope', params: { base: 10000, fraction: 1 } };

export const PRESETS: readonly Preset[] = [
  {
    id: 'default',
    title: 'GPT-2-style decoder (small)',
    citation: 'Radford et al., 2019. Language Models are Unsupervised Multitask Learners.',
    description:
      'The shape of GPT-2, scaled down so it redraws on every keystroke: 2 layers, d_model 64, 4 heads. A learned position vector is added to each token embedding; every layer applies LayerNorm before causal softmax attention and before a GELU MLP (Pre-LN), and a final LayerNorm precedes the output. Each row of the attention map is a probability distribution over the earlier tokens. Weights are random, not trained, so the maps show what the architecture does before learning. Most other presets change one thing about this model.',
    spec: defaultSpec,
  },
  {
    id: 'gpt2-small',
    title: 'GPT-2 small: 12 layers, d_model 768, 12 heads',
    citation: 'Radford et al., 2019. Language Models are Unsupervised Multitask Learners.',
    description:
      'The default decoder at the full size of the smallest GPT-2: 12 Pre-LN layers of causal softmax attention with 12 heads of 64 dimensions, GELU MLPs 4 × 768 = 3,072 wide, learned absolute positions, a final LayerNorm and an unembedding tied to the token embedding. Its 85 million parameters outside the embeddings are exactly GPT-2 small’s; only the shape is GPT-2’s, though: the vocabulary is this app’s 97 characters, not GPT-2’s 50,257 byte-pair tokens, and the weights are random, as in every preset. Texts are cut to 256 tokens (GPT-2 reads 1,024): past about 300 an analysis of this model would no longer fit the page’s 2 GiB memory budget. Each edit recompiles about 340 MB of weights and loads them twice, so it redraws in seconds, not on every keystroke; use it to see what a real model’s size costs in the latency panel.',
    spec: () => ({ ...defaultSpec(), name: 'GPT-2 small (shape)', dModel: 768, nHeads: 12, maxLen: 256, layers: layers(12) }),
  },
  {
    id: 'post-ln',
    title: 'Original Transformer decoder (Post-LN)',
    citation: 'Vaswani et al., 2017. Attention Is All You Need.',
    description:
      'The norm placement of the original Transformer: each sub-block is added to the residual stream first and the sum is normalised afterwards, x ← LN(x + F(x)). Because every layer ends with a norm, the residual stream is reset to unit size after each layer (see the residual view) and no final norm is needed. Post-LN is known to need a learning-rate warm-up to train deep stacks, which is why GPT-2 and its successors moved the norm in front of each sub-block (Pre-LN).',
    spec: () => ({ ...defaultSpec(), name: 'Post-LN decoder', layers: layers(2, (l) => ({ ...l, placement: 'post' })) }),
  },
  {
    id: 'peri-ln',
    title: 'Peri-LN decoder',
    citation: 'Kim et al., 2025 (ICML). Peri-LN: Revisiting Normalization Layer in the Transformer Architecture.',
    description:
      'A norm on both sides of every sub-block: x ← x + LN_out(F(LN_in(x))). The input norm is Pre-LN’s; the output norm fixes the size of what each sub-block adds to the residual stream, whatever its weights. The paper finds that Pre-LN lets hidden states grow very large (“massive activations”) during training, while Peri-LN keeps their growth steady, and that it trains more stably. Compare the residual view with the Pre-LN default and the Post-LN preset.',
    spec: () => ({ ...defaultSpec(), name: 'Peri-LN decoder', layers: layers(2, (l) => ({ ...l, placement: 'peri' })) }),
  },
  {
    id: 'rmsnorm',
    title: 'Pre-RMSNorm decoder, 4 layers',
    citation: 'Zhang & Sennrich, 2019. Root Mean Square Layer Normalization.',
    description:
      'The default decoder with 4 layers and every LayerNorm replaced by RMSNorm, which divides each token vector by its root mean square and skips LayerNorm’s mean subtraction and bias. The paper shows that the re-centring contributes little and that dropping it cuts the running time of the models it tests by 7–64%. Compare the entropy and residual views with the default: removing the mean changes little here, because a random token vector’s mean is already close to 0. LLaMA, Mistral and most recent language models use RMSNorm.',
    spec: () => ({ ...defaultSpec(), name: 'Pre-RMSNorm decoder', layers: layers(4, (l) => ({ ...l, norm: RMS })) }),
  },
  {
    id: 'llama-style',
    title: 'LLaMA-style: RoPE, RMSNorm, SwiGLU, grouped-query',
    citation: 'Touvron et al., 2023. LLaMA: Open and Efficient Foundation Language Models.',
    description:
      'The recipe of LLaMA: no position vector is added to the tokens; rotary embeddings (RoPE) turn each query and key by an angle proportional to its position, so scores depend on the distance between tokens. Every sub-block is preceded by RMSNorm, and the feed-forward block is SwiGLU, a gated MLP. As in LLaMA 2’s larger models, attention is grouped-query: the 4 query heads share 2 key/value heads, which halves the key/value cache. Head pairs that share keys and values still differ in their queries, so their maps are different.',
    spec: () => ({
      ...defaultSpec(),
      name: 'LLaMA-style decoder',
      position: ROPE,
      layers: layers(2, (l) => ({ ...l, mixer: { kind: 'softmax_attention', params: { causal: true, kvHeads: 2 } }, norm: RMS, ffn: SWIGLU })),
    }),
  },
  {
    id: 'mistral-style',
    title: 'Mistral-style: sliding window with RoPE, RMSNorm, SwiGLU',
    citation: 'Jiang et al., 2023. Mistral 7B.',
    description:
      'Mistral 7B is LLaMA-shaped (RoPE, RMSNorm, SwiGLU, grouped-query attention) but every layer attends only to a sliding window of the most recent tokens: 4,096 in Mistral, 8 here so the band is visible. A token outside the window can still reach later tokens indirectly, one window per layer, so the stack sees up to layers × window tokens back. The cost of attention then grows linearly with length instead of quadratically, and the key/value cache has a fixed size.',
    spec: () => ({
      ...defaultSpec(),
      name: 'Mistral-style decoder',
      position: ROPE,
      layers: layers(2, (l) => ({ ...l, mixer: { kind: 'sliding_window', params: { window: 8, causal: true, kvHeads: 2 } }, norm: RMS, ffn: SWIGLU })),
    }),
  },
  {
    id: 'alibi',
    title: 'BLOOM-style: ALiBi linear biases instead of position embeddings',
    citation: 'Press et al., 2022. Train Short, Test Long: Attention with Linear Biases Enables Input Length Extrapolation. Used by BLOOM (BigScience Workshop, 2022).',
    description:
      'No position vectors at all: every attention score is lowered in proportion to the distance between query and key, with a fixed slope per head (1/4, 1/16, 1/64 and 1/256 for 4 heads). Steep heads look only at their neighbours and gentle heads look far back, so the head grid shows a range from local to global. Because the penalty is a straight line it continues past any length seen in training, which lets ALiBi models read longer texts than they were trained on; BLOOM uses it with Pre-LN LayerNorm and GELU MLPs, as here (BLOOM’s extra LayerNorm right after the embedding is left out).',
    spec: () => ({ ...defaultSpec(), name: 'ALiBi decoder', position: { kind: 'alibi', params: {} } }),
  },
  {
    id: 'sliding-window',
    title: 'Sliding-window attention (window 8)',
    citation: 'Beltagy et al., 2020. Longformer: The Long-Document Transformer.',
    description:
      'Each token attends to itself and the 7 tokens before it, so the map is a diagonal band 8 keys wide and attention costs T × 8 scores instead of T². Longformer introduced this local window (together with a few global tokens) to read long documents; the rest of this model is the default decoder, so the only difference you see is the mask. Stacking layers widens the reach: after 2 layers a token can draw on what was up to 14 tokens back.',
    spec: () => ({ ...defaultSpec(), name: 'Sliding-window decoder', layers: layers(2, mixer('sliding_window', { window: 8 })) }),
  },
  {
    id: 'sinks',
    title: 'Attention sinks + local window',
    citation: 'Xiao et al., 2023. Efficient Streaming Language Models with Attention Sinks.',
    description:
      'The first 4 tokens stay visible to every token; the rest only within a window of 8. Xiao et al. found that trained models put a lot of attention on the first tokens whatever they say (“attention sinks”), and that a plain sliding window breaks down once those tokens leave it. Keeping them lets a model stream indefinitely with a fixed cache. The map is a band plus solid first columns.',
    spec: () => ({ ...defaultSpec(), name: 'Sink-token decoder', layers: layers(2, mixer('sink_attention', { sinks: 4, window: 8 })) }),
  },
  {
    id: 'dilated-local',
    title: 'Local and dilated layers, alternating',
    citation: 'Wu et al., 2022. D-Former: A U-shaped Dilated Transformer for 3D Medical Image Segmentation.',
    description:
      'A sliding-window layer (4 tokens), then a dilated layer that sees every 4th token within 64 positions, twice over. The local layer gathers each neighbourhood and the dilated layer connects distant neighbourhoods, so two layers together reach far at a cost linear in length. D-Former alternates local and dilated (“global-scope”) attention in the same way on 3-D image patches; here it is the 1-D version. Pick layer 1 to see the comb-shaped dilated map.',
    spec: () => ({
      ...defaultSpec(),
      name: 'Local/dilated decoder',
      layers: [mixer('sliding_window', { window: 4 }), mixer('dilated_attention', { dilation: 4, span: 16 }), mixer('sliding_window', { window: 4 }), mixer('dilated_attention', { dilation: 4, span: 16 })].map((f) => f(defaultLayer())),
    }),
  },
  {
    id: 'moe',
    title: 'Mixture of experts, top-2 of 4 (GShard/Mixtral-style)',
    citation: 'Lepikhin et al., 2021. GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding. Top-2 routing as in Mixtral (Jiang et al., 2024).',
    description:
      'Each layer’s MLP is replaced by 4 expert MLPs and a router. The router turns each token into probabilities over the experts (the router view); the token is sent to its 2 most likely experts, whose outputs are mixed with the two probabilities renormalised to sum to 1. The model holds 4 experts’ worth of feed-forward parameters but each token pays for only 2. Nothing is trained here, so there is no load-balancing loss and the routing is that of random weights.',
    spec: () => ({ ...defaultSpec(), name: 'MoE decoder', layers: layers(2, (l) => ({ ...l, ffn: { kind: 'moe', params: { experts: 4, k: 2, expansion: 2 } } })) }),
  },
  {
    id: 'switch-moe',
    title: 'Switch Transformer: top-1 mixture of experts',
    citation: 'Fedus et al., 2021. Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity.',
    description:
      'The Switch Transformer routes every token to a single expert: the router’s most likely of 4 expert MLPs. The expert’s output is scaled by that router probability (not renormalised, so the router still gets a gradient in training). Sending each token to one expert instead of two simplifies routing and cuts expert compute and communication; the paper shows this costs little quality and scales to a trillion parameters. In the router view each token’s largest probability decides its expert.',
    spec: () => ({ ...defaultSpec(), name: 'Switch MoE decoder', layers: layers(2, (l) => ({ ...l, ffn: { kind: 'moe', params: { experts: 4, k: 1, expansion: 2 } } })) }),
  },
  {
    id: 'parallel',
    title: 'Parallel attention and MLP (GPT-J / PaLM)',
    citation: 'Chowdhery et al., 2022. PaLM: Scaling Language Modeling with Pathways. First used in GPT-J (Wang & Komatsuzaki, 2021).',
    description:
      'Attention and the MLP both read the same normalised input and their outputs are added to the residual stream together: x ← x + Attn(LN(x)) + MLP(LN(x)). In the standard block the MLP reads what attention just wrote; here it does not, which PaLM reports costs little quality at large scale while letting the two matrix products run at once (about 15% faster training). The wiring diagram of each layer shows the two branches side by side.',
    spec: () => ({ ...defaultSpec(), name: 'Parallel-block decoder', layers: layers(2, (l) => ({ ...l, topology: { kind: 'parallel', params: {} } })) }),
  },
  {
    id: 'looped',
    title: 'Looped transformer: one layer run 4 times',
    citation: 'Xu & Sato, 2024. On the Expressive Power of a Variant of the Looped Transformer.',
    description:
      'A single layer applied 4 times in a row with the same weights, like an iterative algorithm that repeats one step. The model has one layer of parameters but the compute of 4, and the views count 4 layer runs, each with its own map, because the input of each run differs. Looped transformers can learn algorithms whose number of steps grows with the problem by looping more; the paper studies what such weight-shared loops can express.',
    spec: () => ({ ...defaultSpec(), name: 'Looped decoder', layers: layers(1), loops: [{ start: 0, end: 0, count: 4 }] }),
  },
  {
    id: 'linear-attention',
    title: 'Linear transformer (elu + 1 features)',
    citation: 'Katharopoulos et al., 2020. Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention.',
    description:
      'Attention without a softmax: queries and keys go through the feature map φ(x) = elu(x) + 1, and a query’s weight on a key is φ(q)·φ(k) divided by the row’s total. Because the product can be regrouped as φ(q)ᵀ(Σ φ(k) vᵀ), the model keeps a running sum instead of the T × T matrix: it is an RNN with a matrix-valued state, and its cost grows linearly with length. The map shown is its exact implicit map; rows still sum to 1 but are flatter than softmax rows (compare the entropy).',
    spec: () => ({ ...defaultSpec(), name: 'Linear-attention decoder', layers: layers(2, mixer('linear_attention', { feature: 'elu1' })) }),
  },
  {
    id: 'retnet',
    title: 'RetNet: multi-scale retention',
    citation: 'Sun et al., 2023. Retentive Network: A Successor to Transformer for Large Language Models.',
    description:
      'Retention replaces softmax with a decay: token n reads an earlier token m with weight (q_n · k_m) · γ^(n−m), so older tokens fade geometrically. Each head has its own γ, from about 0.97 per step (short memory) to 0.996 (long memory), which is the “multi-scale” of the title; queries and keys are turned by RetNet’s own angles θ_k = 1/10000^(k/(d/2 − 1)) for head size d, the torchscale reference’s, which are its only position signal: the preset adds no position vector. The same model can be run in parallel for training, as a recurrence for generation, or chunk by chunk (what the latency figure measures). The implicit map is signed and fades away from the diagonal at each head’s rate; the GroupNorm and swish gate of the paper are left out.',
    spec: () => ({ ...defaultSpec(), name: 'RetNet-style decoder', position: { kind: 'nope', params: {} }, layers: layers(2, mixer('retention', {})) }),
  },
  {
    id: 'mamba',
    title: 'Mamba-style: Mamba-2 layers only, no attention, no MLP',
    citation: 'Dao & Gu, 2024. Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured State Space Duality. After Gu & Dao, 2023 (Mamba).',
    description:
      'A stack of 4 Mamba-2 blocks with RMSNorm and nothing else: no attention, no separate MLP (the Mamba block’s own gate and projections take its place), and no positional encoding, because the recurrence already knows the order. Each block is a selective state space: a token writes into a small state with a strength Δ computed from the token itself, and the state decays by a factor that also depends on the input, so the model chooses what to remember. Its implicit map is exact; its cost is linear in length. Left out: the short convolution before the scan and the norm after the gate.',
    spec: () => ({ ...defaultSpec(), name: 'Mamba-style model', position: { kind: 'nope', params: {} }, layers: layers(4, (l) => ({ ...l, mixer: { kind: 'mamba2', params: {} }, norm: RMS, ffn: { kind: 'none', params: {} } })) }),
  },
  {
    id: 'mamba-hybrid',
    title: 'Attention/SSM hybrid: one attention layer per three Mamba-2 layers',
    citation: 'Waleffe et al., 2024. An Empirical Study of Mamba-based Language Models.',
    description:
      'Layers M, M, M, A: three Mamba-2 layers and one softmax attention layer, each with an MLP. The paper finds that pure Mamba models lag transformers on tasks that need copying or recall from far back in the context, and that a hybrid with a few attention layers (its 8B model: 43% Mamba-2, 7% attention, 50% MLP) matches or beats the transformer while staying cheap at long lengths. Layers 0–2 show implicit maps and layer 3 an explicit one.',
    spec: () => ({ ...defaultSpec(), name: 'Mamba-2 hybrid', layers: [...layers(3, mixer('mamba2', {})), defaultLayer()] }),
  },
  {
    id: 'deltanet-hybrid',
    title: 'DeltaNet with sliding-window layers',
    citation: 'Yang et al., 2024. Parallelizing Linear Transformers with the Delta Rule over Sequence Length.',
    description:
      'Delta-rule layers alternate with local softmax windows of 8 tokens. A delta-rule layer is a linear transformer that, instead of only adding to its memory, first reads what is stored under the new key and replaces it: a new value under an old key overwrites the old value. That makes recall of key–value pairs much better than plain linear attention; the sliding-window layers add exact local attention, which the paper’s hybrids found helpful. Implicit maps in layers 0 and 2, band maps in layers 1 and 3.',
    spec: () => ({ ...defaultSpec(), name: 'DeltaNet hybrid', layers: [mixer('deltanet', {}), mixer('sliding_window', { window: 8 }), mixer('deltanet', {}), mixer('sliding_window', { window: 8 })].map((f) => f(defaultLayer())) }),
  },
  {
    id: 'poolformer',
    title: 'PoolFormer: average pooling as the token mixer',
    citation: 'Yu et al., 2022. MetaFormer Is Actually What You Need for Vision.',
    description:
      'No attention at all: each token’s mixer output is the average of the last 3 tokens minus the token itself, with no weights. The paper’s point is that the general block shape (norm, token mixer, residual, MLP; the “MetaFormer”) matters more than the mixer: even this trivial mixer gave competitive image models. The implicit map is the same for every text and every head: 1/3 on the window and −2/3 on the diagonal (rows sum to 0, since the residual adds the token back).',
    spec: () => ({ ...defaultSpec(), name: 'PoolFormer decoder', layers: layers(2, mixer('pooling', { size: 3, causal: true })) }),
  },
  {
    id: 'sigma-reparam',
    title: 'σReparam without LayerNorm',
    citation: 'Zhai et al., 2023. Stabilizing Transformer Training by Preventing Attention Entropy Collapse.',
    description:
      'No norms anywhere; instead every linear weight is rescaled to Ŵ = (γ / ‖W‖₂) W, where ‖W‖₂ is its largest singular value and γ a learnable scalar starting at 1. That bounds how much any layer can stretch its input, and in particular how large attention logits can get. Zhai et al. show that training instability goes together with “entropy collapse”, attention rows turning one-hot as logits grow, and that σReparam prevents it well enough to train transformers without LayerNorm. Raise γ in the model settings to watch the entropy fall.',
    spec: () => ({ ...defaultSpec(), name: 'σReparam decoder', layers: layers(2, (l) => ({ ...l, norm: { kind: 'none', params: {} } })), sigmaReparam: { enabled: true, gamma: 1 } }),
  },
  {
    id: 'informer',
    title: 'Informer-style: ProbSparse attention, Post-LN, sinusoidal positions',
    citation: 'Zhou et al., 2021 (AAAI). Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting.',
    description:
      'Informer’s ProbSparse self-attention in every layer: only the u = 5·⌈ln T⌉ queries whose scores are most peaked (largest max-minus-mean over a sample of keys) attend; every other query takes the running mean of the values. In the map, the active queries are ordinary softmax rows and the lazy ones flat rows over the earlier tokens; which queries are active changes with the text. As in Informer’s encoder, positions are sinusoidal, norms come after each residual addition (Post-LN) and the MLPs use GELU. Left out: the self-attention distilling between layers (convolution and max-pooling that halve the length), the time-stamp embeddings and the encoder–decoder split; the key sample is a fixed spread rather than random (see the block’s notes). On the 43 characters of the default text, 5·⌈ln 43⌉ = 20 queries are active and 23 are lazy.',
    spec: () => ({
      ...defaultSpec(),
      name: 'Informer-style decoder',
      position: { kind: 'sinusoidal', params: {} },
      layers: layers(2, (l) => ({ ...l, placement: 'post', mixer: { kind: 'prob_sparse', params: { factor: 5, causal: true } } })),
    }),
  },
  {
    id: 'swin',
    title: 'Swin-style: windows of 8 that shift by 4 on every other layer',
    citation: 'Liu et al., 2021 (ICCV). Swin Transformer: Hierarchical Vision Transformer using Shifted Windows.',
    description:
      'Swin’s shifted windows, in one dimension: each layer splits the sequence into windows of 8 tokens and attends only inside them, with a learned bias per head and offset; every other layer moves the grid by 4, so a window of layer 1 straddles two windows of layer 0 and information crosses window borders one layer later. In the maps, layer 0 shows square blocks on the diagonal and layer 1 the same blocks moved by 4. As in Swin, there are no absolute positions (the relative bias carries position) and the norms come first (Pre-LN). Left out: patch merging between stages, which halves the number of tokens. The windows are causal here, so the model can be trained on the language tasks; set causal off for Swin’s two-sided windows.',
    spec: () => ({
      ...defaultSpec(),
      name: 'Swin-style decoder',
      position: { kind: 'nope', params: {} },
      layers: layers(4, mixer('shifted_window', { window: 8, shift: true, relativeBias: true, causal: true })),
    }),
  },
  {
    id: 'block-transformer',
    title: 'Block Transformer: coarse attention over blocks of 4, then local attention inside each block',
    citation: 'Ho et al., 2024 (NeurIPS). Block Transformer: Global-to-Local Language Modeling for Fast Inference.',
    description:
      'Every layer mixes tokens in two stages. Globally, each block of 4 tokens is pooled into one embedding and the blocks attend causally to one another; locally, each token attends only to the earlier tokens of its own block plus one prefix that carries the context of all blocks before it. The map is exact: a bright triangle inside each block of 4, and faint columns over earlier blocks, spread evenly over each block’s tokens by the pooling. The paper’s point is serving cost: the key/value cache of the local stage holds at most one block, so decoding reads far less memory than a full-attention model of the same size. Simplified here (see the block’s notes): the embedder is a mean rather than a concatenation of the block’s tokens, and the global and local stages share one layer instead of being separate stacks of layers. Positions are rotary, as in the Pythia-style models the paper builds on.',
    spec: () => ({
      ...defaultSpec(),
      name: 'Block Transformer',
      position: ROPE,
      layers: layers(4, mixer('block_transformer', { block: 4 })),
    }),
  },
  {
    id: 'tokenformer',
    title: 'TokenFormer: every projection is attention to parameter tokens',
    citation: 'Wang et al., 2024. TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters.',
    description:
      'No weight matrices in the layers: the queries, keys, values and output of attention, and the feed-forward block, are each a Pattention layer, in which every token attends to a set of learnable parameter tokens (64 per projection, 256 in the feed-forward) and takes the mix of their values. The mix uses GELU of the scores divided by their length rather than a softmax, which is what lets TokenFormer grow a trained model by appending parameter tokens whose keys start at zero. The attention map is ordinary token-to-token softmax attention; the “Tokens × parameter tokens” panel under it shows, for the query, key, value or output projection, how much each token draws on each parameter token (signed, not summing to 1). As in the paper, the model builds on a Pre-LN decoder with rotary positions. Left out: the growth procedure itself and the paper’s scale (its smallest model has 768 dimensions and 768 parameter tokens per projection).',
    spec: () => ({
      ...defaultSpec(),
      name: 'TokenFormer decoder',
      position: ROPE,
      layers: layers(2, (l) => ({ ...l, mixer: { kind: 'tokenformer', params: { tokens: 64 } }, ffn: { kind: 'pattention_ffn', params: { tokens: 256 } } })),
    }),
  },
];

/** The preset with `id`, or undefined. */
export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
