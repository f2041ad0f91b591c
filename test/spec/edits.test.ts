import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { applyEdit, parseSchedule, type Edit } from '../../src/spec/edits';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';

/** A spec whose layers are told apart by their mixer kinds. */
function specOf(mixers: string[], loops: Spec['loops'] = []): Spec {
  const spec = defaultSpec();
  spec.layers = mixers.map((kind) => ({ ...defaultLayer(), mixer: { kind, params: {} } }));
  spec.loops = loops;
  const checked = validateSpec(spec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  return checked.spec;
}

const mixers = (s: Spec) => s.layers.map((l) => l.mixer.kind);

function ok(spec: Spec, edit: Edit): Spec {
  const r = applyEdit(spec, edit);
  if (!r.ok) throw new Error(r.reason);
  return r.spec;
}

function reason(spec: Spec, edit: Edit): string {
  const r = applyEdit(spec, edit);
  if (r.ok) throw new Error('the edit was accepted');
  return r.reason;
}

describe('edits: blocks and parameters', () => {
  it('sets a block with its defaults, keeping parameters the new kind shares', () => {
    const spec = specOf(['softmax_attention']);
    spec.layers[0]!.mixer.params = { causal: true, kvHeads: 2 };
    const next = ok(spec, { type: 'setBlock', target: { layer: 0, slot: 'mixer' }, kind: 'sliding_window' });
    expect(next.layers[0]!.mixer.kind).toBe('sliding_window');
    expect(next.layers[0]!.mixer.params['kvHeads']).toBe(2);
    expect(next.layers[0]!.mixer.params['window']).toBeTypeOf('number');
    expect(spec.layers[0]!.mixer.kind).toBe('softmax_attention'); // pure
  });

  it('refuses a block dropped on a slot that cannot take it, and says why', () => {
    const spec = specOf(['softmax_attention']);
    expect(reason(spec, { type: 'setBlock', target: { layer: 0, slot: 'ffn' }, kind: 'mamba2' })).toMatch(/token mixer block; the feed-forward slot takes only feed-forward blocks/);
    expect(reason(spec, { type: 'setBlock', target: { slot: 'position' }, kind: 'mlp' })).toMatch(/positional encoding slot/);
    expect(reason(spec, { type: 'setBlock', target: { layer: 3, slot: 'mixer' }, kind: 'mamba2' })).toMatch(/no layer 3/);
  });

  it('refuses an out-of-range parameter with the range, and accepts an in-range one', () => {
    const spec = specOf(['softmax_attention']);
    expect(reason(spec, { type: 'setParam', target: { layer: 0, slot: 'ffn' }, name: 'expansion', value: 99 })).toMatch(/from 1 to 8, got 99/);
    expect(ok(spec, { type: 'setParam', target: { layer: 0, slot: 'ffn' }, name: 'expansion', value: 2 }).layers[0]!.ffn.params['expansion']).toBe(2);
  });

  it('refuses d_model that the heads do not divide, and kv-heads that do not divide the heads', () => {
    const spec = specOf(['softmax_attention', 'mamba2']);
    expect(reason(spec, { type: 'setGlobal', key: 'dModel', value: 66 })).toMatch(/nHeads: must divide dModel \(66\)/);
    expect(reason(spec, { type: 'setKvHeads', value: 3 })).toMatch(/kvHeads/);
    const next = ok(spec, { type: 'setKvHeads', value: 2 });
    expect(next.layers[0]!.mixer.params['kvHeads']).toBe(2);
    expect(next.layers[1]!.mixer.params).not.toHaveProperty('kvHeads');
  });

  it('applies one layer\'s block to every layer', () => {
    const spec = specOf(['softmax_attention', 'mamba2', 'retention']);
    expect(mixers(ok(spec, { type: 'applyToAll', from: 1, slot: 'mixer' }))).toEqual(['mamba2', 'mamba2', 'mamba2']);
    spec.layers[2]!.norm = { kind: 'rms_norm', params: {} };
    spec.layers[2]!.placement = 'peri';
    const normed = ok(spec, { type: 'applyToAll', from: 2, slot: 'norm' });
    expect(normed.layers.map((l) => `${l.norm.kind}/${l.placement}`)).toEqual(Array(3).fill('rms_norm/peri')); // the placement goes with the norm
    expect(mixers(normed)).toEqual(mixers(spec));
  });
});

describe('edits: layers', () => {
  const abc = () => specOf(['softmax_attention', 'mamba2', 'retention']);

  it('moves, duplicates, deletes and inserts layers', () => {
    expect(mixers(ok(abc(), { type: 'moveLayer', from: 0, to: 2 }))).toEqual(['mamba2', 'retention', 'softmax_attention']);
    expect(mixers(ok(abc(), { type: 'moveLayer', from: 2, to: 0 }))).toEqual(['retention', 'softmax_attention', 'mamba2']);
    expect(mixers(ok(abc(), { type: 'duplicateLayer', index: 1 }))).toEqual(['softmax_attention', 'mamba2', 'mamba2', 'retention']);
    expect(mixers(ok(abc(), { type: 'deleteLayer', index: 1 }))).toEqual(['softmax_attention', 'retention']);
    expect(mixers(ok(abc(), { type: 'insertLayer', at: 1, block: { slot: 'mixer', kind: 'pooling' } }))).toEqual(['softmax_attention', 'pooling', 'mamba2', 'retention']);
    // A plain new layer copies its upper neighbour.
    expect(mixers(ok(abc(), { type: 'insertLayer', at: 3 }))).toEqual(['softmax_attention', 'mamba2', 'retention', 'retention']);
  });

  it('refuses to go below one layer or above the limit', () => {
    expect(reason(specOf(['mamba2']), { type: 'deleteLayer', index: 0 })).toMatch(/at least one layer/);
    const full = specOf(Array(12).fill('mamba2'));
    expect(reason(full, { type: 'duplicateLayer', index: 0 })).toMatch(/12 layers/);
    expect(reason(full, { type: 'insertLayer', at: 0 })).toMatch(/12 layers/);
  });

  it('loops follow the layers they cover', () => {
    const spec = specOf(['pooling', 'softmax_attention', 'mamba2', 'retention'], [{ start: 1, end: 2, count: 3 }]);
    expect(ok(spec, { type: 'insertLayer', at: 0 }).loops).toEqual([{ start: 2, end: 3, count: 3 }]);
    expect(ok(spec, { type: 'insertLayer', at: 2 }).loops).toEqual([{ start: 1, end: 3, count: 3 }]); // inside: the group grows
    expect(ok(spec, { type: 'insertLayer', at: 3 }).loops).toEqual([{ start: 1, end: 2, count: 3 }]);
    expect(ok(spec, { type: 'deleteLayer', index: 0 }).loops).toEqual([{ start: 0, end: 1, count: 3 }]);
    expect(ok(spec, { type: 'deleteLayer', index: 2 }).loops).toEqual([{ start: 1, end: 1, count: 3 }]);
    const moved = ok(spec, { type: 'moveLayer', from: 0, to: 3 });
    expect(mixers(moved)).toEqual(['softmax_attention', 'mamba2', 'retention', 'pooling']);
    expect(moved.loops).toEqual([{ start: 0, end: 1, count: 3 }]); // still over attention and Mamba-2
    const single = specOf(['pooling', 'mamba2'], [{ start: 1, end: 1, count: 2 }]);
    expect(ok(single, { type: 'deleteLayer', index: 1 }).loops).toEqual([]);
  });

  it('a move then the opposite move gives the spec back (property)', () => {
    const kinds = ['softmax_attention', 'mamba2', 'retention', 'pooling', 'lmu'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...kinds), { minLength: 2, maxLength: 12 }), fc.nat(), fc.nat(), (ks, a, b) => {
        const spec = specOf(ks);
        const [from, to] = [a % ks.length, b % ks.length];
        if (from === to) return;
        const back = ok(ok(spec, { type: 'moveLayer', from, to }), { type: 'moveLayer', from: to, to: from });
        expect(back).toEqual(spec);
      }),
      { numRuns: 200 },
    );
  });
});

describe('edits: schedule helper', () => {
  it('fills the layers from a pattern, repeating it', () => {
    const spec = specOf(['softmax_attention', 'softmax_attention']);
    expect(mixers(ok(spec, { type: 'schedule', pattern: 'A,M,M,M', count: 6 }))).toEqual(['softmax_attention', 'mamba2', 'mamba2', 'mamba2', 'softmax_attention', 'mamba2']);
    expect(mixers(ok(spec, { type: 'schedule', pattern: 'retention pooling', count: 3 }))).toEqual(['retention', 'pooling', 'retention']);
  });

  it('says what is wrong with a pattern', () => {
    expect(parseSchedule('').ok).toBe(false);
    const r = parseSchedule('A,Q');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/"Q" is not a token mixer.*A = /);
    expect(reason(specOf(['mamba2']), { type: 'schedule', pattern: 'A', count: 13 })).toMatch(/from 1 to 12, got 13/);
  });
});

describe('edits: what an edit leaves alone is shared', () => {
  it('keeps the unchanged parts of the spec as the same objects (the undo history holds them once)', () => {
    const before = defaultSpec();
    const seeded = applyEdit(before, { type: 'setGlobal', key: 'seed', value: 9 });
    if (!seeded.ok) throw new Error(seeded.reason);
    expect(seeded.spec).not.toBe(before);
    expect(seeded.spec.seed).toBe(9);
    expect(seeded.spec.layers).toBe(before.layers);
    expect(seeded.spec.position).toBe(before.position);
    const edited = applyEdit(before, { type: 'setBlock', target: { layer: 0, slot: 'mixer' }, kind: 'linear_attention' });
    if (!edited.ok) throw new Error(edited.reason);
    expect(edited.spec.layers).not.toBe(before.layers);
    expect(edited.spec.layers[0]!.mixer.kind).toBe('linear_attention');
    expect(edited.spec.layers[1]).toBe(before.layers[1]);
    expect(edited.spec.layers[0]!.ffn).toBe(before.layers[0]!.ffn);
    // Shared, and still exactly what validation gives.
    expect(edited.spec).toEqual(validateSpec(edited.spec).ok && (validateSpec(edited.spec) as { spec: unknown }).spec);
  });
});
