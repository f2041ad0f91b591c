/** The lesson “Positional encodings and their attention patterns”. */
import { withPosition } from './build';
import type { Lesson } from './types';

const PERIODIC_TEXT = 'abc abc abc abc abc abc abc abc';

const lesson: Lesson = {
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
};

export default lesson;
