import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { findPreset, PRESETS } from '../../src/presets';
import { defaultSpec } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';
import { MAX_LINK_DATA, shareToHash, specFromLink, specToHash } from '../../src/spec/share';

describe('share links', () => {
  it.each(PRESETS.map((p) => [p.id]))('round-trip the %s preset exactly', (id) => {
    const checked = validateSpec(findPreset(id)!.spec()); // the spec with every default filled in
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(specFromLink(`https://example.org/playground/#${specToHash(checked.spec)}`)).toEqual(checked);
  });

  it('read a bare hash, and a hash with other parameters', () => {
    const hash = specToHash(defaultSpec());
    expect(specFromLink(`#${hash}`).ok).toBe(true);
    expect(specFromLink(`#lesson=2&${hash}`).ok).toBe(true);
  });

  it('read the spec of a link to the whole work (#s=)', () => {
    const spec = findPreset('alibi')!.spec();
    const r = specFromLink(`#${shareToHash({ v: 1, spec, text: 'hi', view: { layer: 0, head: 0 } })}`);
    expect(r).toEqual(validateSpec(spec));
  });

  it('migrate a link written in an older format', () => {
    const { name: _n, tokenizer: _t, ...rest } = defaultSpec();
    const v1 = { ...rest, version: 1, vocab: 'char' };
    const r = specFromLink(`#c=${LZString.compressToEncodedURIComponent(JSON.stringify(v1))}`);
    expect(r.ok && r.spec.tokenizer).toEqual({ kind: 'char' });
  });

  it('refuse links with no model, damaged data, junk or values out of range', () => {
    expect(specFromLink('https://example.org/')).toEqual({ ok: false, errors: ['link: it is not a Transformer Playground link (it has no "#s=…" part)'] });
    expect(specFromLink('#c=%%%')).toEqual({ ok: false, errors: ['link: it was cut short or damaged (its data does not decompress)'] });
    const cut = specToHash(defaultSpec()).slice(0, 40);
    expect(specFromLink(`#${cut}`).ok).toBe(false);
    expect(specFromLink(`#c=${'A'.repeat(MAX_LINK_DATA + 1)}`)).toEqual({ ok: false, errors: [`link: it is too long (${MAX_LINK_DATA + 1} characters of data; no model needs more than ${MAX_LINK_DATA})`] });
    // A short link that would expand to a huge text is refused, not decoded into memory.
    const expanded = `{"version":2,"name":"${'x'.repeat(300_000)}"}`;
    const bomb = LZString.compressToEncodedURIComponent(expanded);
    expect(bomb.length).toBeLessThan(MAX_LINK_DATA);
    expect(specFromLink(`#c=${bomb}`)).toEqual({ ok: false, errors: [`link: it is too long (its data expands to ${expanded.length} characters; no model needs more than 200000)`] });
    const huge = { ...defaultSpec(), dModel: 100000 };
    expect(specFromLink(`#c=${LZString.compressToEncodedURIComponent(JSON.stringify(huge))}`)).toEqual({ ok: false, errors: ['dModel: must be a whole number from 8 to 1024, got 100000'] });
  });
});
