/** The lesson “The implicit attention of attention-free mixers”. */
import { ENTROPY } from './build';
import { DEFAULT_TEXT } from '../../spec/defaults';
import { headsBelow, headCount } from '../../analysis/figures';
import type { Summaries } from '../../analysis/figures';
import type { Lesson } from './types';

const lesson: Lesson = {
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
      figures: { below: { of: (r: Summaries) => headsBelow(r, 0.6), show: 'count' }, heads: { of: headCount, show: 'count' } },
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
};

export default lesson;
