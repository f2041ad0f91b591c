import fc from 'fast-check';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/presets';
import { DEFAULT_TEXT, defaultSpec } from '../../src/spec/defaults';
import { layerSchedule } from '../../src/spec/schedule';
import { validateSpec } from '../../src/spec/schema';
import { MAX_LINK_DATA, readShareJson, SHARE_VERSION, shareFromLink, shareToHash, specToHash, type ShareDoc } from '../../src/spec/share';
import type { Spec } from '../../src/spec/types';
import { docArb, linkArb } from './shareArbitraries';

const pack = (value: unknown) => LZString.compressToEncodedURIComponent(JSON.stringify(value));
/** The default spec as the validator returns it, in a document. */
const doc = (over: Partial<ShareDoc> = {}): ShareDoc => ({ v: 1, spec: (validateSpec(defaultSpec()) as { spec: Spec }).spec, text: 'abc', view: { layer: 1, head: 2 }, ...over });
const PROBLEMS = ['not-ours', 'damaged', 'too-long', 'tampered', 'newer'];

describe('share links: round trip', () => {
  it('carry thousands of random valid documents through the URL unchanged', () => {
    fc.assert(
      fc.property(docArb, (d) => {
        const r = shareFromLink(`https://example.org/playground/?x=1#${shareToHash(d)}`);
        expect(r).toEqual({ ok: true, doc: d, format: 's', repaired: [] });
      }),
      { numRuns: 2000 },
    );
  });

  it('carry every field of a full document', () => {
    const d = doc({ preset: 'llama-style', lesson: { id: 'attention-101', step: 3 }, classroom: { hide: ['palette', 'latency'], locked: true } });
    expect(shareFromLink(`#${shareToHash(d)}`)).toEqual({ ok: true, doc: d, format: 's', repaired: [] });
  });
});

describe('share links: fuzz', () => {
  it('never throw on thousands of mutated, made-up and oversized links: each opens or says why in one line', () => {
    fc.assert(
      fc.property(linkArb, (link) => {
        const r = shareFromLink(link);
        if (r.ok) {
          // Whatever opened is a valid document: the spec passes the validator, the view is inside it.
          expect(validateSpec(r.doc.spec)).toEqual({ ok: true, spec: r.doc.spec });
          expect(r.doc.view.layer).toBeLessThan(layerSchedule(r.doc.spec).length);
          expect(r.doc.view.head).toBeLessThan(r.doc.spec.nHeads);
          expect(typeof r.doc.text).toBe('string');
        } else {
          expect(PROBLEMS).toContain(r.problem);
          expect(r.reason.length).toBeGreaterThan(10);
          expect(r.reason).not.toMatch(/\n/);
          expect(r.errors.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('share links: what was wrong', () => {
  const good = `#${shareToHash(doc())}`;

  it('a link of something else', () => {
    expect(shareFromLink('https://example.org/')).toMatchObject({ ok: false, problem: 'not-ours', reason: 'it is not a Transformer Playground link (it has no "#s=…" part)' });
    expect(shareFromLink('#section-2')).toMatchObject({ ok: false, problem: 'not-ours' });
  });

  it('a link cut short or damaged', () => {
    for (const cut of [good.slice(0, 40), good.slice(0, good.length - 7), '#s=%%%', '#s=']) {
      expect(shareFromLink(cut), cut).toMatchObject({ ok: false, problem: 'damaged' });
      expect((shareFromLink(cut) as { reason: string }).reason).toMatch(/^it was cut short or damaged/);
    }
  });

  it('a link too long, or one that expands too far', () => {
    expect(shareFromLink(`#s=${'A'.repeat(MAX_LINK_DATA + 1)}`)).toMatchObject({ ok: false, problem: 'too-long', reason: `it is too long (${MAX_LINK_DATA + 1} characters of data; no model needs more than ${MAX_LINK_DATA})` });
    const bomb = pack({ v: 1, text: 'x'.repeat(300_000) });
    expect(bomb.length).toBeLessThan(MAX_LINK_DATA);
    expect(shareFromLink(`#s=${bomb}`)).toMatchObject({ ok: false, problem: 'too-long' });
  });

  it('a tampered link names the first thing the validator refused', () => {
    const spec = { ...doc().spec, dModel: 100000 };
    expect(shareFromLink(`#s=${pack({ ...doc(), spec })}`)).toMatchObject({ ok: false, problem: 'tampered', reason: 'it was altered or is not valid (spec.dModel: must be a whole number from 8 to 1024, got 100000)' });
    const bogus = { ...doc().spec, layers: [{ ...doc().spec.layers[0]!, mixer: { kind: 'bogus', params: {} } }] };
    expect((shareFromLink(`#s=${pack({ ...doc(), spec: bogus, view: { layer: 0, head: 0 } })}`) as { reason: string }).reason).toMatch(/^it was altered or is not valid \(spec\.layers\.0\.mixer: unknown mixer block "bogus"/);
    expect(shareFromLink(`#s=${pack({ ...doc(), extra: 1 })}`)).toMatchObject({ ok: false, problem: 'tampered' });
    expect(shareFromLink(`#s=${pack({ ...doc(), view: { layer: -1, head: 0 } })}`)).toMatchObject({ ok: false, problem: 'tampered' });
    expect(shareFromLink(`#s=${pack({ ...doc(), classroom: { hide: ['everything'], locked: false } })}`)).toMatchObject({ ok: false, problem: 'tampered' });
    expect(shareFromLink(`#s=${pack({ ...doc(), lesson: { id: '<script>', step: 0 } })}`)).toMatchObject({ ok: false, problem: 'tampered' });
    expect(shareFromLink(`#s=${pack({ ...doc(), spec: undefined })}`)).toMatchObject({ ok: false, problem: 'tampered', reason: 'it was altered or is not valid (spec: missing)' });
    expect(shareFromLink(`#s=${pack([1, 2])}`)).toMatchObject({ ok: false, problem: 'tampered' });
    expect(shareFromLink(`#s=${pack({ ...doc(), v: 0 })}`)).toMatchObject({ ok: false, problem: 'tampered' });
  });

  it('a link from a newer version, of the document or of the model', () => {
    expect(shareFromLink(`#s=${pack({ ...doc(), v: 2 })}`)).toMatchObject({ ok: false, problem: 'newer', reason: 'it was made by a newer Transformer Playground (share format 2; this one reads format 1)' });
    expect(shareFromLink(`#s=${pack({ ...doc(), spec: { ...doc().spec, version: 7 } })}`)).toMatchObject({ ok: false, problem: 'newer' });
    expect(shareFromLink(`#c=${pack({ ...doc().spec, version: 7 })}`)).toMatchObject({ ok: false, problem: 'newer' });
  });
});

describe('share links: older links and repairs', () => {
  it('open a #c= link (the spec alone) with the default text and view', () => {
    const spec = findPreset('moe')!.spec();
    const r = shareFromLink(`https://example.org/#${specToHash(spec)}`);
    expect(r).toEqual({ ok: true, format: 'c', repaired: [], doc: { v: SHARE_VERSION, spec: (validateSpec(spec) as { spec: unknown }).spec, text: DEFAULT_TEXT, view: { layer: 0, head: 0 } } });
  });

  it('migrate a #c= link of the first spec format', () => {
    const { name: _n, tokenizer: _t, ...rest } = defaultSpec();
    const r = shareFromLink(`#c=${pack({ ...rest, version: 1, vocab: 'char' })}`);
    expect(r.ok && r.doc.spec.tokenizer).toEqual({ kind: 'char' });
    expect(r.ok && r.doc.spec.name).toBe('Untitled model');
  });

  it('fill a missing text and view, keep the view inside the model, and say so', () => {
    const { text: _t, view: _v, ...bare } = doc();
    const r = shareFromLink(`#s=${pack(bare)}`);
    expect(r).toMatchObject({ ok: true, doc: { text: DEFAULT_TEXT, view: { layer: 0, head: 0 } }, repaired: ['text: missing; the default text is used', 'view: missing; layer 0, head 0 is shown'] });
    const far = shareFromLink(`#s=${pack({ ...doc(), view: { layer: 40, head: 15 }, classroom: { hide: ['stats', 'stats'], locked: false } })}`);
    expect(far).toMatchObject({
      ok: true,
      doc: { view: { layer: 1, head: 3 }, classroom: { hide: ['stats'], locked: false } },
      repaired: ["view: layer 40 is past the model's 2 layer runs; layer 1 is shown", "view: head 15 is past the model's 4 heads; head 3 is shown", 'classroom.hide: parts listed twice were listed once'],
    });
  });

  it('fill parameters a hand-made spec leaves out, like any input', () => {
    const spec = { ...doc().spec, layers: [{ ...doc().spec.layers[0]!, mixer: { kind: 'sliding_window', params: {} } }] };
    const r = shareFromLink(`#s=${pack({ ...doc(), spec, view: { layer: 0, head: 0 } })}`);
    expect(r.ok && r.doc.spec.layers[0]!.mixer.params).toEqual({ window: 8, causal: true, kvHeads: 0 });
  });

  it('read the local save the same way, damaged JSON included', () => {
    expect(readShareJson(JSON.stringify(doc()))).toEqual({ ok: true, doc: doc(), format: 's', repaired: [] });
    expect(readShareJson('{"v":1,"spec":')).toMatchObject({ ok: false, problem: 'damaged' });
    expect(readShareJson('null')).toMatchObject({ ok: false, problem: 'tampered' });
  });
});
