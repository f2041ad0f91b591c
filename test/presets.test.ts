// Every preset is a valid spec that compiles, names its paper, and survives a share link.
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compiler/compile';
import { PRESETS } from '../src/presets';
import { validateSpec } from '../src/spec/schema';
import { specFromLink, specToHash } from '../src/spec/url';

describe.each(PRESETS.map((p) => [p.id, p] as const))('preset %s', (_id, preset) => {
  it('is a valid spec that compiles in both modes', () => {
    const r = validateSpec(preset.spec());
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(() => compile(preset.spec(), { T: 12, mode: 'inspect' })).not.toThrow();
    expect(() => compile(preset.spec(), { T: 12, mode: 'fast' })).not.toThrow();
  });
  it('cites a paper and round-trips through a link', () => {
    expect(preset.citation).toMatch(/\d{4}[^.]*\. .+\./);
    // A link holds the spec as written; reading it back gives the validated spec.
    expect(specFromLink(`#${specToHash(preset.spec())}`)).toEqual(validateSpec(preset.spec()));
  });
});
