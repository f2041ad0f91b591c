// Every preset is a valid spec that compiles, names its paper, explains itself, and survives a share link.
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compiler/compile';
import { PRESETS } from '../src/presets';
import { validateSpec } from '../src/spec/schema';
import { specFromLink, specToHash } from '../src/spec/share';

describe.each(PRESETS.map((p) => [p.id, p] as const))('preset %s', (_id, preset) => {
  it('is a valid spec that compiles in both modes', () => {
    const r = validateSpec(preset.spec());
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(() => compile(preset.spec(), { T: 12, mode: 'inspect' })).not.toThrow();
    expect(() => compile(preset.spec(), { T: 12, mode: 'fast' })).not.toThrow();
  });
  it('cites a paper, explains itself in a paragraph, and round-trips through a link', () => {
    expect(preset.citation).toMatch(/\d{4}[^.]*\. .+\./);
    expect(preset.description.split(/[.!?] /).length, 'a paragraph of at least 3 sentences').toBeGreaterThanOrEqual(3);
    // A link holds the spec as written; reading it back gives the validated spec.
    expect(specFromLink(`#${specToHash(preset.spec())}`)).toEqual(validateSpec(preset.spec()));
  });
});

it('covers the models of issue 8, each under its id', () => {
  const ids = ['default', 'llama-style', 'alibi', 'mistral-style', 'peri-ln', 'sigma-reparam', 'poolformer', 'linear-attention', 'retnet', 'mamba', 'mamba-hybrid', 'switch-moe', 'looped', 'parallel'];
  expect(PRESETS.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
  const find = (id: string) => PRESETS.find((p) => p.id === id)!.spec();
  const llama = find('llama-style');
  expect([llama.position.kind, llama.layers[0]!.norm.kind, llama.layers[0]!.ffn.params['variant']]).toEqual(['rope', 'rms_norm', 'swiglu']);
  expect(find('switch-moe').layers.every((l) => l.ffn.kind === 'moe' && l.ffn.params['k'] === 1)).toBe(true);
  expect(find('mamba').layers.every((l) => l.mixer.kind === 'mamba2' && l.ffn.kind === 'none')).toBe(true);
  expect(find('mistral-style').layers.every((l) => l.mixer.kind === 'sliding_window')).toBe(true);
  expect(find('sigma-reparam').layers.every((l) => l.norm.kind === 'none')).toBe(true);
});
