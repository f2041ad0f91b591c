/** The lesson “Quadratic versus linear latency, and the crossover”. */
import { longContext } from './build';
import { DEFAULT_TEXT } from '../../spec/defaults';
import type { Lesson } from './types';

const lesson: Lesson = {
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
};

export default lesson;
