/** The drop switch in the spec: validation, the edit, the full model, and the share link round trip. */
import { describe, expect, it } from 'vitest';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { fullModel, hasDrops } from '../../src/spec/drop';
import { applyEdit } from '../../src/spec/edits';
import { parseSpec, validateSpec } from '../../src/spec/schema';
import { shareFromLink, shareToHash, specFromLink, specToHash } from '../../src/spec/share';
import type { Spec } from '../../src/spec/types';
import { layerWiring } from '../../src/spec/wiring';

const valid = (raw: unknown): Spec => {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.spec;
};

describe('drop in the spec', () => {
  it('is optional: a spec without it validates to itself, with no drop field', () => {
    const s = valid(defaultSpec());
    expect(s.layers.every((l) => !('drop' in l))).toBe(true);
  });

  it('is kept when something is dropped, filled to both parts, and left out when nothing is', () => {
    const spec = { ...defaultSpec(), layers: [{ ...defaultLayer(), drop: { mixer: true } }, { ...defaultLayer(), drop: { mixer: false, ffn: false } }] };
    const s = valid(spec);
    expect(s.layers[0]!.drop).toEqual({ mixer: true, ffn: false });
    expect('drop' in s.layers[1]!).toBe(false);
  });

  it('refuses what is not a switch, naming the field', () => {
    const bad = (drop: unknown) => validateSpec({ ...defaultSpec(), layers: [{ ...defaultLayer(), drop }] });
    expect(bad({ mixer: 'yes' })).toEqual({ ok: false, errors: ['layers.0.drop.mixer: must be true or false, got "yes"'] });
    const extra = bad({ attention: true });
    expect(extra.ok).toBe(false);
    expect((extra as { errors: string[] }).errors[0]).toMatch(/^layers\.0\.drop/);
    expect(bad('mixer').ok).toBe(false);
  });

  it('a format-1 document (before drops) still opens, without drops', () => {
    const { version: _v, tokenizer: _t, name: _n, ...rest } = defaultSpec();
    const r = parseSpec({ ...rest, version: 1, vocab: 'char' });
    expect(r.ok && hasDrops(r.spec)).toBe(false);
  });

  it('the setDrop edit switches one part of one layer on and off, and refuses a missing layer', () => {
    const s0 = valid(defaultSpec());
    const on = applyEdit(s0, { type: 'setDrop', layer: 1, part: 'mixer', on: true });
    expect(on.ok && on.spec.layers[1]!.drop).toEqual({ mixer: true, ffn: false });
    expect(on.ok && on.summary).toBe("Layer 1's token mixer is dropped.");
    if (!on.ok) return;
    const both = applyEdit(on.spec, { type: 'setDrop', layer: 1, part: 'ffn', on: true });
    expect(both.ok && both.spec.layers[1]!.drop).toEqual({ mixer: true, ffn: true });
    const back = applyEdit(on.spec, { type: 'setDrop', layer: 1, part: 'mixer', on: false });
    expect(back.ok && back.spec).toEqual(s0);
    expect(applyEdit(s0, { type: 'setDrop', layer: 5, part: 'ffn', on: true }).ok).toBe(false);
  });

  it('fullModel gives every sub-block back and leaves the rest as it was', () => {
    const s = valid({ ...defaultSpec(), layers: [{ ...defaultLayer(), drop: { ffn: true } }, defaultLayer()] });
    expect(hasDrops(s)).toBe(true);
    expect(fullModel(s)).toEqual(valid(defaultSpec()));
    expect(fullModel(valid(defaultSpec()))).toEqual(valid(defaultSpec()));
  });

  it('round-trips through a share link and a spec link', () => {
    const spec = valid({ ...defaultSpec(), layers: [{ ...defaultLayer(), drop: { mixer: true } }, { ...defaultLayer(), drop: { ffn: true } }] });
    const doc = { v: 1 as const, spec, text: 'drop me', view: { layer: 0, head: 0 } };
    expect(shareFromLink(`#${shareToHash(doc)}`)).toEqual({ ok: true, doc, format: 's', repaired: [] });
    expect(specFromLink(`#${specToHash(spec)}`)).toEqual({ ok: true, spec });
  });

  it('the wiring diagram leaves a dropped sub-block out, with its norms and add', () => {
    const noMixer = layerWiring({ ...defaultLayer(), drop: { mixer: true } });
    expect(noMixer.nodes.map((n) => n.id)).toEqual(['in', 'norm_ffn', 'ffn', 'add_ffn', 'out']);
    expect(noMixer.formula).toBe('x′ = x + FFN(LN(x))');
    expect(noMixer.summary).toMatch(/token mixer is dropped/);
    const noFfn = layerWiring({ ...defaultLayer(), drop: { ffn: true } });
    expect(noFfn).toEqual(layerWiring({ ...defaultLayer(), ffn: { kind: 'none', params: {} } }));
    const none = layerWiring({ ...defaultLayer(), drop: { mixer: true, ffn: true } });
    expect(none.nodes.map((n) => n.id)).toEqual(['in', 'out']);
    expect(none.formula).toBe('x′ = x');
  });
});
