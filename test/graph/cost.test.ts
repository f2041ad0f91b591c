// The cost model against counts written out by hand from the architecture, not from the graph.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { graphCost, outputBytes } from '../../src/graph/cost';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';

const V = 97;

describe('cost model', () => {
  it('the default model (d 64, 4 heads, 2 pre-LN layers, GELU MLP ×4) at T = 10, fast mode', () => {
    const d = 64, H = 4, hd = 16, L = 2, T = 10, maxLen = 128, hidden = 256;
    const params =
      V * d + // token embedding (tied with the unembedding: counted once)
      maxLen * d + // learned positions
      L * (4 * (d * d + d) + 2 * (2 * d) + (d * hidden + hidden) + (hidden * d + d)) + // attention, 2 LayerNorms, MLP
      2 * d; // final LayerNorm
    expect(params).toBe(114496);

    const attention =
      4 * (2 * T * d * d + T * d) + // q, k, v, o projections with their bias adds
      2 * H * T * T * hd + // Q Kᵀ
      H * T * T + // scale by 1/√hd
      T * T + // causal mask (GreaterOrEqual)
      H * T * T + // Where
      5 * H * T * T + // softmax
      2 * H * T * T * hd; // A V
    const mlp = 2 * T * d * hidden + T * hidden + 5 * T * hidden + 2 * T * hidden * d + T * d; // W1 + b1, GELU (5 ops), W2 + b2
    const layerNorm = 7 * T * d;
    const perLayer = 2 * layerNorm + attention + mlp + 2 * T * d; // two residual adds
    const flops = T * d /* position add */ + L * perLayer + layerNorm /* final */ + 2 * T * d * V /* unembedding */ + T * V; /* its 1/√d scale */
    expect(flops).toBe(2_210_930);

    const { total } = graphCost(compile(defaultSpec(), { T, mode: 'fast' }));
    expect(total.params).toBe(params);
    expect(total.flops).toBe(flops);
  });

  it('a 1-layer bidirectional peri-RMSNorm model (d 32, 2 heads, MLP ×2) at T = 5, with activation bytes', () => {
    const d = 32, H = 2, hd = 16, T = 5, maxLen = 16, hidden = 64;
    const spec: Spec = {
      ...defaultSpec(),
      dModel: d,
      nHeads: H,
      maxLen,
      layers: [{
        ...defaultLayer(),
        placement: 'peri',
        norm: { kind: 'rms_norm', params: { epsilon: 1e-6 } },
        mixer: { kind: 'softmax_attention', params: { causal: false } },
        ffn: { kind: 'mlp', params: { activation: 'gelu', expansion: 2 } },
      }],
    };
    // Peri-LN has 4 RMSNorms in the layer (in and out around each sub-block) and one final one.
    const params = V * d + maxLen * d + 4 * (d * d + d) + 4 * d + (d * hidden + hidden) + (hidden * d + d) + d;
    expect(params).toBe(12192);

    const rms = 4 * T * d + 2 * T; // x·x, mean, ·(1/rms), ·γ per element; + ε and √ per row
    const attention = 4 * (2 * T * d * d + T * d) + 2 * H * T * T * hd + H * T * T + 5 * H * T * T + 2 * H * T * T * hd; // no mask
    const mlp = 2 * T * d * hidden + T * hidden + 5 * T * hidden + 2 * T * hidden * d + T * d;
    const flops = T * d + 5 * rms + attention + mlp + 2 * T * d + 2 * T * d * V + T * V; // … unembedding and its 1/√d scale
    expect(flops).toBe(123_395);

    // Activation bytes, float32 unless said: every tensor an op writes except reshapes.
    const f = 4;
    // Each RMSNorm writes x·x [T,d], mean [T,1], +ε [T,1], √ [T,1], x/rms [T,d], ·γ [T,d]: 3·T·d + 3·T.
    const rmsBytes = f * (3 * T * d + 3 * T);
    const attnBytes =
      f * 4 * (2 * T * d) + // 4 projections: MatMul and bias add
      f * 3 * T * d + // three head transposes of q, k, v
      f * H * hd * T + // kᵀ transpose
      f * 3 * H * T * T + // scores, scaled, softmax
      f * H * T * hd + // A V
      f * T * d; // transpose back
    const mlpBytes = f * (2 * T * hidden) + f * 5 * T * hidden + f * (2 * T * d); // W1 + b1, GELU, W2 + b2
    const expectedBytes =
      f * 3 * T * d + // token gather, position gather, position add
      5 * rmsBytes +
      attnBytes +
      mlpBytes +
      f * 2 * T * d + // residual adds
      f * V * d + // transpose of the embedding for the unembedding
      f * T * V + // logits
      f * T * V; // scaled by 1/√d

    const { total, byScope } = graphCost(compile(spec, { T, mode: 'fast' }));
    expect(total.params).toBe(params);
    expect(total.flops).toBe(flops);
    expect(total.activationBytes).toBe(expectedBytes);
    const scopes = byScope.map((s) => s.scope);
    expect(scopes).toContain('layer 0 · mixer: softmax_attention');
    expect(scopes).toContain('layer 0 · ffn: mlp');
    expect(byScope.reduce((s, x) => s + x.cost.flops, 0)).toBe(flops);
    expect(byScope.find((s) => s.scope === 'layer 0 · mixer: softmax_attention')!.cost.params).toBe(4 * (d * d + d));
  });

  it('inspect outputs: maps, entropies, logits, residual norms and the sub-blocks\' similarities', () => {
    const T = 10, H = 4, L = 2;
    const g = compile(defaultSpec(), { T, mode: 'inspect' });
    expect(outputBytes(g)).toBe(4 * (L * H * T * T + L * H * T + T * V + (L + 1) * T + 2 * L * T));
  });

  it('a batch of B: every per-sequence count B times, the shared causal masks and the parameters once', () => {
    const T = 10, H = 4, L = 2, B = 3;
    const fast = graphCost(compile(defaultSpec(), { T, mode: 'fast', batch: B })).total;
    const mask = T * T; // one GreaterOrEqual [T, T] per layer, shared by the batch
    expect(fast.params).toBe(114496);
    expect(fast.flops).toBe(B * (2_210_930 - L * mask) + L * mask);
    const inspect = compile(defaultSpec(), { T, mode: 'inspect', batch: B });
    expect(outputBytes(inspect)).toBe(4 * B * (L * H * T * T + L * H * T + T * V + (L + 1) * T + 2 * L * T));
  });
});
