/**
 * Sinusoidal absolute positions: a fixed table of sines and cosines added to the embeddings.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017), section 3.5.
 *
 *   PE(t, 2i)     = sin(t / 10000^(2i/d))
 *   PE(t, 2i + 1) = cos(t / 10000^(2i/d))      x₀[t] = E[token_t] + PE(t)
 *
 * The table is computed here in TypeScript for the graph's T and stored as a constant [T, d]; it has
 * no learned weights. (The paper also multiplies the embeddings by √d; the playground's embeddings
 * already have entries of unit variance, the same scale as the table, so nothing is rescaled.)
 */
import { z } from 'zod';
import { defineBlock } from './define';

/** PE as a row-major [T, d] list. */
function sinusoidTable(T: number, d: number): number[] {
  const values: number[] = [];
  for (let t = 0; t < T; t++)
    for (let c = 0; c < d; c++) {
      const i = Math.floor(c / 2); // columns 2i and 2i + 1 share one frequency
      const angle = t / 10000 ** ((2 * i) / d);
      values.push(c % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
    }
  return values;
}

export default defineBlock({
  kind: 'sinusoidal',
  slot: 'position',
  title: 'Sinusoidal positions',
  paper: 'Attention Is All You Need',
  explanation:
    'Each position gets a fixed fingerprint: pairs of sine and cosine waves, the first pair turning ' +
    'once every 2π tokens and each later pair more slowly, down to a wavelength of about 10000·2π. ' +
    'The fingerprint is added to the token embedding. Nothing is learned, so any length can be ' +
    'encoded, and a shift by k positions is the same rotation of every sine–cosine pair wherever it ' +
    'starts, which lets attention pick out relative offsets.',
  doc: `
**Paper:** *Attention Is All You Need* (Vaswani et al., 2017), section 3.5.

**Math:** PE(t, 2i) = sin(t / 10000^(2i/d)), PE(t, 2i + 1) = cos(t / 10000^(2i/d)),
x₀[t] = E[token_t] + PE(t). The table is a constant [T, d] in the graph; nothing is learned. (The
paper also multiplies the embeddings by √d; the playground's embeddings already have entries of
unit variance, the same scale as the table, so nothing is rescaled.)

Each position gets a fixed fingerprint made of sine–cosine pairs that turn at geometrically
spaced speeds, from one turn every 2π tokens for the first pair to about one every 10000·2π
tokens for the last. It is added to the token embedding. Because a shift by k positions rotates
every pair by a fixed angle, wherever it starts, attention can learn to pick out relative
offsets; and because the table is a formula, any length can be encoded, though a model trained
on short texts has never seen the values of far positions.
`,
  params: z.object({}),
  emit: {
    embed(ctx, x) {
      const { b, T, dModel } = ctx;
      const table = b.constant('sinusoid', 'float32', [T, dModel], sinusoidTable(T, dModel));
      return b.add(x, table); // [B, T, d] + [T, d]
    },
    embedAt(ctx, x, _p, positions) {
      // The same table computed in the graph at any positions: angle t / 10000^(2i/d), sin on even
      // columns and cos on odd ones (cos = sin(a + π/2)).
      const { b, dModel: d } = ctx;
      const n = positions.shape[0]!;
      const inv = Array.from({ length: d }, (_, c) => 1 / 10000 ** ((2 * Math.floor(c / 2)) / d));
      const phase = Array.from({ length: d }, (_, c) => (c % 2 === 0 ? 0 : Math.PI / 2));
      const angles = b.add(b.mul(b.reshape(positions, [n, 1]), b.constant('sinusoid_inv_freq', 'float32', [1, d], inv)), b.constant('sinusoid_phase', 'float32', [1, d], phase));
      return b.add(x, b.sin(angles)); // [B, n, d] + [n, d]
    },
  },
});
