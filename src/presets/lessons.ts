/**
 * Lessons: guided tours as data. Each step sets the model (a preset or a spec), the text and the
 * view, points at one panel of the page, and explains what to look for there. The claims in the
 * step texts were checked on the models they set (seed 1, random weights, the texts given); the
 * page runs the same graphs, so a student sees what the text says.
 *
 * Also the names of the page's parts a lesson can point at (FOCUS_KEYS) and a classroom link can
 * hide (HIDE_KEYS, the share document's list).
 */
import { PLACEMENT_NAMES } from '../spec/catalog';
import { defaultLayer, defaultSpec, DEFAULT_TEXT } from '../spec/defaults';
import { CLASSROOM_PARTS, type ClassroomPart } from '../spec/share';
import type { BlockRef, LayerSpec, NormPlacement, Spec } from '../spec/types';
import { findPreset } from './index';
import { headCount, headsBelow, meanEntropyFraction, residualRms, type Figure } from '../analysis/figures';

/** Parts of the page a classroom link may hide (the share document validates against the same list). */
export const HIDE_KEYS = CLASSROOM_PARTS;
export type HideKey = ClassroomPart;

/** Panels a lesson step can point at, with the name the page gives each. */
export const FOCUS_PANELS = {
  text: 'Text',
  'attention-map': 'Attention map',
  'head-grid': 'Heads',
  entropy: 'Entropy',
  residual: 'Residual stream',
  'next-token': 'Next token',
  'router-map': 'Router',
  latency: 'Latency',
  palette: 'Block palette',
  settings: 'Model settings',
  stack: 'Model',
  inspector: 'Inspector',
  stats: 'Model statistics',
  train: 'Training',
} as const;
export type FocusKey = keyof typeof FOCUS_PANELS;
export const FOCUS_KEYS = Object.keys(FOCUS_PANELS) as FocusKey[];

export interface LessonStep {
  title: string;
  /** A few sentences a student can follow: what changed, where to look, what it means. `{name}` stands for figure `name`. */
  body: string;
  /** The figures the body quotes, computed from the result of this step's model and text (src/analysis/figures.ts). */
  figures?: Readonly<Record<string, Figure>>;
  /** The model of this step: a preset id, or a function building the spec. Left out: the previous step's model. */
  spec?: string | (() => Spec);
  /** The text of this step. Left out: the previous step's text. */
  text?: string;
  /** The layer run and head the views show. Left out: the previous step's view. */
  view?: { layer: number; head: number };
  /** The panel the step points at. */
  focus: FocusKey;
}

export interface Lesson {
  /** Used in links (`?lesson=ID`). */
  id: string;
  title: string;
  /** One or two sentences: what the lesson shows. */
  summary: string;
  steps: readonly LessonStep[];
}

/** What entering a step sets: its model (with the preset it is, if any), text and view, each inherited from earlier steps when the step leaves it out. */
export interface ResolvedStep {
  spec: Spec;
  presetId: string | null;
  text: string;
  view: { layer: number; head: number };
}

const named = (spec: Spec, name: string): Spec => ({ ...spec, name });
const withPosition = (position: BlockRef, name: string) => (): Spec => named({ ...defaultSpec(), position }, name);

/** The default decoder with `n` layers, each changed by `f`. */
const decoder = (name: string, n: number, f: (l: LayerSpec) => LayerSpec, extra: Partial<Spec> = {}): Spec => ({
  ...defaultSpec(),
  name,
  layers: Array.from({ length: n }, () => f(defaultLayer())),
  ...extra,
});

const withSigma = (spec: Spec, gamma: number, name: string): Spec => named({ ...spec, sigmaReparam: { enabled: true, gamma } }, name);

/** 6 layers with the norms at `placement`, the linear layers optionally rescaled to spectral norm γ. */
const deep = (placement: NormPlacement, gamma?: number) => (): Spec => {
  const label = PLACEMENT_NAMES[placement];
  const spec = decoder(`${label}, 6 layers`, 6, (l) => ({ ...l, placement }));
  return gamma === undefined ? spec : withSigma(spec, gamma, `${label}, 6 layers, σReparam γ = ${gamma}`);
};

/** The latency lesson's models: the default shape, long enough to sweep to 2048 tokens, with `mixer` in both layers. */
const longContext = (name: string, mixer: BlockRef) => (): Spec => decoder(name, 2, (l) => ({ ...l, mixer }), { maxLen: 2048 });

const PERIODIC_TEXT = 'abc abc abc abc abc abc abc abc';

/** Figures the steps quote. */
const ENTROPY: Record<string, Figure> = { entropy: { of: meanEntropyFraction, show: 'percent' } };
const STREAM: Record<string, Figure> = {
  embedding: { of: (r) => residualRms(r, 0), show: 'decimal' },
  last: { of: (r) => residualRms(r, -1), show: 'decimal' },
};

export const LESSONS: readonly Lesson[] = [
  {
    id: 'positions',
    title: 'Positional encodings and their attention patterns',
    summary: 'The same model with five ways of telling it where each token stands, on a text that repeats every 4 characters, so position is the only thing that tells the copies apart.',
    steps: [
      {
        title: 'No positional encoding (NoPE)',
        body: 'The text repeats “abc ” 8 times. This model adds nothing about position to the tokens, so in layer 0 a query gives exactly the same score to every copy of the same character. The attention map therefore shows vertical stripes: the columns of all the “a”s carry the same weight in a row. A causal model can still learn to count positions, because token t sees exactly t tokens, but nothing here tells near from far.',
        spec: withPosition({ kind: 'nope', params: {} }, 'NoPE decoder'),
        text: PERIODIC_TEXT,
        view: { layer: 0, head: 0 },
        focus: 'attention-map',
      },
      {
        title: 'Learned absolute positions (GPT-2)',
        body: 'Now a learned vector for each position is added to each token’s embedding. Before training, these vectors are random, so every copy of “a” looks different to the model and the stripes break up into noise. Nothing in the map depends on the distance between tokens yet: a trained GPT-2 has to learn from data which positions belong together.',
        spec: 'default',
        focus: 'attention-map',
      },
      {
        title: 'Sinusoidal positions (the original Transformer)',
        body: 'The fixed table of the original Transformer: each position gets sines and cosines at geometrically spaced speeds, added to the token. Shifting by k positions rotates each sine–cosine pair by a fixed angle, so a trained model can learn to read relative offsets. But because the code is added to the content before the projections, the scores still depend on the absolute positions: at random weights the map has no clean distance pattern, and the copies of “a” are still told apart.',
        spec: withPosition({ kind: 'sinusoidal', params: {} }, 'Sinusoidal-position decoder'),
        focus: 'attention-map',
      },
      {
        title: 'Rotary embeddings (RoPE)',
        body: 'RoPE adds nothing to the tokens; it rotates each query and key by an angle proportional to its position. The dot product of two rotated vectors depends only on the difference of the angles, so a score depends on the two tokens and their distance, never on where they stand. On this text, which repeats every 4 characters, the map repeats along its diagonals: moving 4 rows down and 4 columns right gives the same pattern (up to each row’s normalisation).',
        spec: withPosition({ kind: 'rope', params: { base: 10000, fraction: 1 } }, 'RoPE decoder'),
        focus: 'attention-map',
      },
      {
        title: 'ALiBi: a distance penalty per head',
        body: 'ALiBi subtracts slope × distance from every score, with a different slope for each head: 1/4, 1/16, 1/64 and 1/256 here. The head grid shows the effect: head 0 puts most of each row’s weight on the last 4 tokens, a recency bias, while head 3 spreads its weight over the whole text. Like RoPE, the scores depend only on distance, so the pattern also repeats along the diagonals.',
        spec: 'alibi',
        view: { layer: 0, head: 0 },
        focus: 'head-grid',
      },
      {
        title: 'ALiBi’s gentlest head looks like NoPE',
        body: 'This is head 3, whose slope is 1/256: over 30 tokens its penalty is only about 0.1. Its map is almost the NoPE map of the first step, stripes included, because the layers’ weights are the same (each weight is drawn from its own seeded stream by name, and these models differ only in the position block). ALiBi gives each model both kinds of head: local ones that generalise to longer texts and global ones that behave as if there were no positions.',
        view: { layer: 0, head: 3 },
        focus: 'attention-map',
      },
    ],
  },
  {
    id: 'latency',
    title: 'Quadratic versus linear latency, and the crossover',
    summary: 'Why softmax attention’s cost grows with the square of the length, how to measure it with the latency sweep, and where linear-time mixers start to win.',
    steps: [
      {
        title: 'The latency figure',
        body: 'The latency panel times one forward pass of the model at the length of your text (T tokens): the median of several warm runs of the fast graph, on the backend shown (WASM threads or WebGPU). This is the default decoder, allowed texts up to 2,048 tokens so we can sweep far. At a few dozen tokens a pass takes a few milliseconds or less, and most of that time is not spent in attention.',
        spec: longContext('GPT-2-style, up to 2048 tokens', { kind: 'softmax_attention', params: { causal: true, kvHeads: 0 } }),
        text: DEFAULT_TEXT,
        view: { layer: 0, head: 0 },
        focus: 'latency',
      },
      {
        title: 'Where the work goes',
        body: 'The statistics list the floating-point operations of every block at the current T. The projections and the MLP do work proportional to T·d² (about 24·T·d² per layer), while attention’s score matrix and weighted sum do about 4·T²·d: every query meets every key. With d_model = 64 the two are equal near T = 6·d = 384 tokens. Below that the linear part dominates; above it the quadratic part takes over and doubling the text quadruples the attention work.',
        focus: 'stats',
      },
      {
        title: 'Sweep softmax attention',
        body: 'In the latency panel, under “Against T”, choose “up to T = 2048” and press Sweep. The page times the model at T = 16, 32, …, 2048 and draws the times on log-log axes, where a cost ∝ T^k is a straight line of slope k (the dashed guides show k = 1 and k = 2). Read the fitted exponent under the chart, with its interval: for this model it comes out well above 1 and approaches 2 at the longest lengths, once attention dominates. Press Pin to keep this sweep on the chart for the next steps.',
        focus: 'latency',
      },
      {
        title: 'The same model with linear attention',
        body: 'Only the mixer changed: linear attention keeps a running sum of φ(k)vᵀ and processes the text in chunks, so it never builds the T × T matrix. Press Sweep again: the chart overlays it on the pinned softmax sweep. The exponent is now close to 1: doubling the text doubles the time. Compare the two curves point by point (the bars show the spread of each point’s runs): at short lengths the two models take about the same time, because both spend it in the same projections and MLPs; at 2048 tokens the linear one is several times faster.',
        spec: longContext('Linear attention, up to 2048 tokens', { kind: 'linear_attention', params: { feature: 'elu1', causal: true, chunk: 64 } }),
        focus: 'latency',
      },
      {
        title: 'A crossover',
        body: 'DeltaNet is also linear in T, but each chunk inverts a small triangular matrix, so its cost per token is higher. Sweep once more and compare with the softmax table: DeltaNet is slower at short lengths and faster at long ones. Where the two curves cross depends on the machine and the backend: read it off the chart on yours, and pin this sweep too to keep all three. Real systems show the same shape at larger scale: transformers are up to 1.8× faster at short contexts and state-space models up to 4× faster near 57K tokens (reported in “Characterizing SSM and SSM-Transformer Hybrid LM Performance with Long Context”).',
        spec: longContext('DeltaNet, up to 2048 tokens', { kind: 'deltanet', params: { chunk: 64 } }),
        focus: 'latency',
      },
    ],
  },
  {
    id: 'entropy-collapse',
    title: 'Attention entropy collapse, and σReparam',
    summary: 'How the scale of the attention logits decides how spread out attention is, how a large scale collapses every row onto one token, and how σReparam keeps the scale in check.',
    steps: [
      {
        title: 'Entropy of attention',
        body: 'The entropy of an attention row measures how spread out it is: 100% of the maximum means uniform over the visible keys, 0% means all weight on one key. The entropy view gives every head’s mean. In the default decoder at random initialisation the heads sit at {entropy} on average: fairly spread out, with some preference.',
        figures: ENTROPY,
        spec: 'default',
        text: DEFAULT_TEXT,
        view: { layer: 0, head: 0 },
        focus: 'entropy',
      },
      {
        title: 'σReparam sets the scale',
        body: 'In the model settings σReparam is now on with γ = 1: every linear weight W is used as (γ / ‖W‖₂)·W, where ‖W‖₂ is its largest singular value, so no layer stretches any input by more than γ. The random 64 × 64 weights of the default have ‖W‖₂ ≈ 2, so queries and keys both shrink by about half and the logits by about 4. The entropy rises to {entropy}: attention is nearly uniform.',
        figures: ENTROPY,
        spec: () => withSigma(defaultSpec(), 1, 'σReparam γ = 1'),
        focus: 'settings',
      },
      {
        title: 'Raise the logit scale: γ = 4',
        body: 'With γ = 4 the queries and the keys are each 4 times larger than at γ = 1, so every attention logit is 16 times larger (exactly so in layer 0, whose input is normalised). The softmax of larger logits is sharper: the entropy drops to {entropy}. The model’s weights point in the same directions as before; only their scale changed.',
        figures: ENTROPY,
        spec: () => withSigma(defaultSpec(), 4, 'σReparam γ = 4'),
        focus: 'entropy',
      },
      {
        title: 'Entropy collapse: γ = 8',
        body: 'At γ = 8 the logits are 64 times those at γ = 1 and the entropy falls to {entropy}. In the map nearly every row is a single bright cell: each token attends to one other token and ignores the rest. Zhai et al. found that this “entropy collapse” goes together with unstable training (loss spikes, divergence), and that the lowest entropy attention can reach falls as the spectral norm of the query–key weights grows.',
        figures: ENTROPY,
        spec: () => withSigma(defaultSpec(), 8, 'σReparam γ = 8'),
        focus: 'attention-map',
      },
      {
        title: 'σReparam instead of LayerNorm',
        body: 'σReparam’s γ is learned but starts at 1, and ‖W‖₂ is divided out at every step, so the logit scale grows only as fast as γ does rather than with every weight. Zhai et al. show that this keeps entropy from collapsing well enough to train transformers with no LayerNorm at all, as in this model: no norms, γ = 1, and the heads sit at {entropy}. Try γ = 4 in the model settings: with no norm to rescale the stream, the residual stream grows layer by layer and layer 1’s heads collapse completely.',
        figures: ENTROPY,
        spec: 'sigma-reparam',
        focus: 'entropy',
      },
    ],
  },
  {
    id: 'norm-placement',
    title: 'Norm placement and residual growth',
    summary: 'Where the norms sit (Post-LN, Pre-LN, Peri-LN) decides how the residual stream grows from layer to layer, and whether that growth depends on the weights.',
    steps: [
      {
        title: 'Post-LN: reset after every layer',
        body: 'Six Post-LN layers: each sub-block is added to the stream and the sum is normalised, x ← LN(x + F(x)). The residual view shows the root mean square of the stream after the embedding and after each layer. After every layer it is exactly 1, because the last thing a layer does is normalise. The price: the gradient to early layers passes through every norm, which makes deep Post-LN stacks hard to train without a warm-up.',
        spec: deep('post'),
        text: DEFAULT_TEXT,
        view: { layer: 0, head: 0 },
        focus: 'residual',
      },
      {
        title: 'Pre-LN: the stream grows',
        body: 'Pre-LN normalises only what enters each sub-block and adds the output to the stream unnormalised: x ← x + F(LN(x)). The stream is never rescaled, so it grows with depth, here from {embedding} after the embedding to {last} after six layers; a final norm before the output handles the size. This is the placement of GPT-2, LLaMA and most large models, because the stream gives every layer a direct path to the output.',
        figures: STREAM,
        spec: deep('pre'),
        focus: 'residual',
      },
      {
        title: 'Pre-LN with larger weights',
        body: 'The same Pre-LN model with every linear layer rescaled to spectral norm γ = 3 (the random initial weights have spectral norms between 1.5 and 3), standing in for the larger weights training can produce. Nothing normalises what a sub-block adds, so larger weights mean larger additions: the stream now reaches {last} after six layers, about twice as much. In trained Pre-LN models this growth goes much further: Kim et al. report “massive activations”, hidden states whose size runs away with depth.',
        figures: { last: STREAM.last! },
        spec: deep('pre', 3),
        focus: 'residual',
      },
      {
        title: 'Peri-LN: fixed-size additions',
        body: 'Peri-LN adds a second norm on the output of each sub-block: x ← x + LN_out(F(LN_in(x))). Every addition now has a root mean square of about 1, whatever the sub-block computed, so the stream grows steadily, like a sum of unit steps: here to {last} after six layers. At initialisation that is a bit more than Pre-LN; the point is what happens when the weights change.',
        figures: { last: STREAM.last! },
        spec: deep('peri'),
        focus: 'residual',
      },
      {
        title: 'Peri-LN with larger weights',
        body: 'The same larger weights (γ = 3) as in Pre-LN two steps ago. The Peri-LN stream is almost unchanged, {last} after six layers, because the output norm divides the larger outputs back to unit size. This is why Kim et al. find that Peri-LN keeps hidden states in check and trains more stably than Pre-LN.',
        figures: { last: STREAM.last! },
        spec: deep('peri', 3),
        focus: 'residual',
      },
      {
        title: 'Where the norms sit',
        body: 'Each layer card in the model column has a wiring diagram that shows where its norms sit around the mixer and the feed-forward block. Change the placement of one layer in the inspector and watch the residual view: a single Post-LN layer resets the stream to 1 at that depth, whatever the layers before it did.',
        focus: 'stack',
      },
    ],
  },
  {
    id: 'implicit-attention',
    title: 'The implicit attention of attention-free mixers',
    summary: 'Linear attention, retention, Mamba and pooling have no softmax, yet each mixes tokens as y = A·v for an exact matrix A that can be drawn like an attention map.',
    steps: [
      {
        title: 'An explicit map',
        body: 'Softmax attention computes its map directly: row i holds the weights query i gives to each earlier key, every weight is positive and each row sums to 1. The badge above the map says “explicit”. Keep its look in mind: the next mixers never compute such a matrix, yet we can draw one for them.',
        spec: 'default',
        text: DEFAULT_TEXT,
        view: { layer: 0, head: 0 },
        focus: 'attention-map',
      },
      {
        title: 'Linear attention',
        body: 'Linear attention computes φ(q)ᵀ Σ φ(k) vᵀ as a running sum and never builds a T × T matrix. Written out, though, the output is y = A·v with A_ij = φ(q_i)·φ(k_j) divided by the row total: an exact implicit map (badge “implicit”). Its rows still sum to 1, but they are much flatter than softmax rows: the entropy view shows {entropy} of the maximum, well above the softmax decoder of the first step, because the feature map cannot sharpen scores the way an exponential does.',
        figures: ENTROPY,
        spec: 'linear-attention',
        focus: 'attention-map',
      },
      {
        title: 'Retention: decay by distance',
        body: 'RetNet’s retention multiplies q·k by γ^(n−m), so older tokens fade geometrically, each head at its own rate: γ ≈ 0.97 for head 0 up to 0.996 for head 3. The head grid shows every head’s thumbnail: the faster a head decays, the more of its weight stays near the diagonal (on this text, head 0 keeps more of its weight within 8 tokens of the diagonal than head 3 does). The map is signed (q·k can be negative) and rows do not sum to 1, so the map is drawn on a diverging scale centred on 0 (red below, blue above), while the thumbnails show magnitudes.',
        spec: 'retnet',
        focus: 'head-grid',
      },
      {
        title: 'Mamba: the input decides what to keep',
        body: 'In a Mamba-2 layer, token s writes into a small state with a strength Δ_s computed from the token itself, and the state decays at every step by a factor that also depends on the input. The implicit map entry (t, s) is how much of token s’s write is still there when token t reads it. Unlike retention’s fixed decay, the fading here changes with the text: some tokens are written strongly and kept, others barely written, so the map is uneven and its entropy lower ({below} of its {heads} heads stay below 60% of the maximum).',
        figures: { below: { of: (r) => headsBelow(r, 0.6), show: 'count' }, heads: { of: headCount, show: 'count' } },
        spec: 'mamba',
        focus: 'attention-map',
      },
      {
        title: 'Pooling: a map that ignores the text',
        body: 'PoolFormer’s mixer averages the last 3 tokens and subtracts the token itself, with no weights at all. Its implicit map is the same for every text and every head: 1/3 on the window and 1/3 − 1 = −2/3 on the diagonal, so each row sums to 0 (the residual adds the token back). Type a different text of the same length: the maps of the other mixers change, this one stays exactly the same. Yet models built this way train well on images, which says that the block around the mixer does much of the work.',
        spec: 'poolformer',
        focus: 'attention-map',
      },
    ],
  },
];

/** The lesson with `id`, or undefined. */
export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}

/** A step's model as a spec, with the preset id when it names one. */
function stepModel(spec: NonNullable<LessonStep['spec']>): { spec: Spec; presetId: string | null } {
  if (typeof spec === 'function') return { spec: spec(), presetId: null };
  const preset = findPreset(spec);
  if (!preset) throw new Error(`lesson step names the unknown preset "${spec}"`);
  return { spec: preset.spec(), presetId: preset.id };
}

/**
 * What entering step `index` of `lesson` sets. A step that leaves out the model, text or view
 * keeps the latest one set before it, so a step reached directly (from a link) looks the same as
 * one reached by pressing Next.
 */
export function resolveStep(lesson: Lesson, index: number): ResolvedStep {
  const upTo = lesson.steps.slice(0, Math.max(0, Math.min(index, lesson.steps.length - 1)) + 1);
  const latest = <K extends 'spec' | 'text' | 'view'>(key: K): LessonStep[K] => [...upTo].reverse().find((s) => s[key] !== undefined)?.[key];
  const model = stepModel(latest('spec') ?? 'default');
  return { ...model, text: latest('text') ?? DEFAULT_TEXT, view: latest('view') ?? { layer: 0, head: 0 } };
}
