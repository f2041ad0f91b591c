/**
 * ALiBi: attention with linear biases.
 * Paper: "Train Short, Test Long: Attention with Linear Biases Enables Input Length Extrapolation"
 * (Press et al., 2022).
 *
 *   logits_h[i, j] = q_i · k_j / √hd − m_h · |i − j|
 *
 * The paper writes the causal form −m_h · (i − j) for j ≤ i; the bias hook does not know whether the
 * mixer is causal, so it uses |i − j|, which is the same on every visible entry of a causal map and
 * the symmetric choice for bidirectional attention. No position is added to the embeddings.
 *
 * Head slopes m_h (h = 1 … H):
 *   - H a power of two (paper, section 3): m_h = 2^(−8h/H), the geometric sequence from 2^(−8/H)
 *     down to 2^(−8), e.g. 1/2, 1/4, … 1/256 for 8 heads;
 *   - otherwise the rule of the authors' get_slopes (ofirpress/attention_with_linear_biases,
 *     fairseq/models/transformer.py; the paper itself trains only power-of-two head counts): with n
 *     the largest power of two below H, the n slopes 2^(−8h/n), then the first H − n of every other
 *     slope of the 2n-head sequence, 2^(−8·1/2n), 2^(−8·3/2n), 2^(−8·5/2n), …
 *     (e.g. H = 6: 1/4, 1/16, 1/64, 1/256, then 1/2, 1/8).
 *
 * The bias is built in the graph from the two position index vectors, so the file does not grow
 * with T²; it is emitted once and shared by every layer. No learned weights.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { positionIndices } from './nn';

/** The H head slopes m_1 … m_H. */
export function alibiSlopes(H: number): number[] {
  const geometric = (n: number) => Array.from({ length: n }, (_, h) => 2 ** ((-8 * (h + 1)) / n));
  let n = 1;
  while (2 * n <= H) n *= 2; // largest power of two ≤ H
  if (n === H) return geometric(H);
  const interleaved = geometric(2 * n).filter((_, k) => k % 2 === 0); // 1st, 3rd, 5th, … of the 2n slopes
  return [...geometric(n), ...interleaved.slice(0, H - n)];
}

export default defineBlock({
  kind: 'alibi',
  slot: 'position',
  title: 'ALiBi (linear biases)',
  paper: 'Train Short, Test Long: Attention with Linear Biases Enables Input Length Extrapolation',
  explanation:
    'ALiBi adds no position to the tokens. Instead every attention score is lowered in proportion ' +
    'to the distance between the two tokens: a penalty of m · distance, with a different slope m for ' +
    'each head (1/2, 1/4, … 1/256 for eight heads). Steep heads look only at their neighbours, gentle ' +
    'heads look far back. Since the penalty is a simple line, it continues naturally past the ' +
    'longest text seen in training, which is why ALiBi extrapolates to longer inputs.',
  doc: `
**Paper:** *Train Short, Test Long: Attention with Linear Biases Enables Input Length
Extrapolation* (Press et al., 2022).

**Math:** logits_h[i, j] = q_i · k_j / √hd − m_h · |i − j|. For H a power of two,
m_h = 2^(−8h/H), h = 1 … H (1/2, 1/4, …, 1/256 for 8 heads). For other H, the authors' code
(get_slopes in ofirpress/attention_with_linear_biases; the paper only trains power-of-two head
counts) takes the n = 2^⌊log₂ H⌋ slopes 2^(−8h/n), then the first H − n of every other slope of the
2n-head sequence (H = 6: 1/4, 1/16, 1/64, 1/256, 1/2, 1/8). The paper writes the causal form
−m_h · (i − j); |i − j| is the same on every visible entry of a causal map and the symmetric choice
for bidirectional attention. The bias is built in the graph from position indices; no weights.

ALiBi adds no position to the tokens. Instead every attention score is lowered in proportion to
the distance between the two tokens, with a different slope for each head: steep heads look only
at their neighbours, gentle heads look far back. Since the penalty is a straight line, it simply
continues past the longest text seen in training, which is why ALiBi models keep working on
longer inputs than they were trained on.
`,
  params: z.object({}),
  emit: {
    bias(ctx) {
      const { b, nHeads } = ctx;
      const { rows, cols } = positionIndices(ctx); // int64 [T, 1] (i) and [1, T] (j)
      const distance = b.abs(b.sub(b.cast(rows, 'float32'), b.cast(cols, 'float32'))); // [T, T]: |i − j|
      const slopes = b.constant('alibi_slopes', 'float32', [1, nHeads, 1, 1], alibiSlopes(nHeads).map((m) => -m));
      return b.mul(slopes, distance); // [1, H, T, T]
    },
    biasAt(ctx, _p, query, key) {
      const { b, nHeads } = ctx;
      const distance = b.abs(b.sub(query, key)); // [n, m]
      const slopes = b.constant('alibi_slopes', 'float32', [1, nHeads, 1, 1], alibiSlopes(nHeads).map((m) => -m));
      return b.mul(slopes, distance); // [1, H, n, m]
    },
  },
});
