// The gpt2-small preset: GPT-2 small's shape, its parameter count written out by hand from the
// architecture, and where it stands against the memory budget.
import { describe, expect, it } from 'vitest';
import { MEMORY_BUDGET_BYTES, modelStats } from '../../src/compiler/stats';
import { findPreset } from '../../src/presets';
import { validateSpec } from '../../src/spec/schema';
import { VOCAB_SIZE } from '../../src/spec/vocab';

const preset = findPreset('gpt2-small')!;
const spec = preset.spec();

/**
 * Parameters of a GPT-2-style decoder: token and position embeddings, L Pre-LN layers (two
 * LayerNorms with γ and β; q, k, v and output projections with biases; an MLP d → 4d → d with
 * biases), a final LayerNorm, and an unembedding tied to the token embedding (no extra weights).
 */
function gpt2Params(V: number, maxLen: number, d: number, L: number): { embeddings: number; body: number } {
  const norms = 2 * (2 * d);
  const attention = 4 * (d * d + d);
  const mlp = d * 4 * d + 4 * d + 4 * d * d + d;
  return { embeddings: V * d + maxLen * d, body: L * (norms + attention + mlp) + 2 * d };
}

describe('the gpt2-small preset', () => {
  it('has GPT-2 small\'s shape: 12 Pre-LN layers, d_model 768, 12 heads, learned positions, GELU MLP 4× wide', () => {
    expect(validateSpec(spec).ok).toBe(true);
    expect([spec.dModel, spec.nHeads, spec.layers.length, spec.maxLen]).toEqual([768, 12, 12, 256]);
    expect(spec.position.kind).toBe('learned_absolute');
    expect(spec.tokenizer.kind).toBe('char');
    expect(spec.loops).toEqual([]);
    for (const l of spec.layers) {
      expect(l.placement).toBe('pre');
      expect(l.norm.kind).toBe('layer_norm');
      expect(l.mixer).toEqual({ kind: 'softmax_attention', params: { causal: true, kvHeads: 0 } });
      expect(l.ffn).toEqual({ kind: 'mlp', params: { activation: 'gelu', expansion: 4 } });
      expect(l.topology?.kind ?? 'sequential').toBe('sequential');
    }
    expect(preset.description).toMatch(/only the shape is GPT-2’s/);
    expect(preset.description).toMatch(/weights are random/);
  });

  it('has the parameters counted by hand, and GPT-2 small\'s exact count outside the embeddings', () => {
    const { embeddings, body } = gpt2Params(VOCAB_SIZE, 256, 768, 12);
    expect(VOCAB_SIZE).toBe(97);
    const s = modelStats(spec, 20);
    expect(s.params).toBe(embeddings + body);
    expect(s.params).toBe(85_327_104);
    // GPT-2 small has 124,439,808 parameters with its 50,257 tokens and 1,024 positions (tied unembedding):
    // take those embeddings away and what is left is this model's body, to the parameter.
    expect(124_439_808 - 50_257 * 768 - 1024 * 768).toBe(body);
    expect(body).toBe(85_056_000);
    // The weights are float32, plus a few small constant tables.
    expect(s.weightBytes).toBeGreaterThan(4 * s.params);
    expect(s.weightBytes).toBeLessThan(4 * s.params + 64 * 1024);
  });

  it('fits the memory budget at T = 256, its maxLen; with GPT-2\'s 1024 positions the shape stops fitting at T = 297', () => {
    const at256 = modelStats(spec, 256);
    expect(at256.over).toBe(false);
    expect(at256.peakBytes).toBeGreaterThan(1.6 * 1024 ** 3); // about 1.7 GiB: a large share of the budget
    expect(at256.peakBytes).toBeLessThan(MEMORY_BUDGET_BYTES);
    const long = { ...spec, maxLen: 1024 };
    expect(modelStats(long, 296).over).toBe(false);
    const refused = modelStats(long, 297);
    expect(refused.over).toBe(true);
    expect(refused.advice[0]).toMatch(/^the weights \(85,916,928 parameters, 328 MiB\), held 3 times/);
    expect(modelStats(long, 512).advice[0]).toMatch(/^the attention maps and mixers of 12 layer runs × 12 heads at T = 512/);
  });
});
