/**
 * fast-check arbitraries for share links: random valid specs built from the block registry (every
 * kind of every slot, parameters drawn within each block's declared ranges), random share
 * documents around them, and links mutated or made up the ways a link goes wrong in the world.
 */
import fc from 'fast-check';
import LZString from 'lz-string';
import type { Slot } from '../../src/blocks/define';
import { findBlock } from '../../src/blocks/registry';
import { blocksFor, type ParamInfo } from '../../src/spec/catalog';
import { layerSchedule } from '../../src/spec/schedule';
import { LIMITS, validateSpec } from '../../src/spec/schema';
import { CLASSROOM_PARTS, MAX_LINK_DATA, shareToHash, type ShareDoc } from '../../src/spec/share';
import { SPEC_VERSION, type BlockRef, type LoopSpec, type Spec } from '../../src/spec/types';

const noNegZero = (v: number) => (Object.is(v, -0) ? 0 : v);

/** A value within one parameter's declared range. */
function paramArb(p: ParamInfo): fc.Arbitrary<unknown> {
  if (p.type === 'int') return fc.integer({ min: p.min, max: p.max });
  if (p.type === 'number') return fc.double({ min: p.min, max: p.max, noNaN: true, noDefaultInfinity: true }).map(noNegZero);
  if (p.type === 'enum') return fc.constantFrom(...p.options);
  return fc.boolean();
}

/** Any block of `slot`, each parameter present or left to its default. */
function blockArb(slot: Slot): fc.Arbitrary<BlockRef> {
  return fc.oneof(
    ...blocksFor(slot).map((b) => {
      const params = Object.fromEntries(Object.entries(b.params).map(([name, p]) => [name, paramArb(p)]));
      return fc.record(params, { requiredKeys: [] }).map((params): BlockRef => ({ kind: b.kind, params }));
    }),
  );
}

/** Disjoint loops from random (start, length, count) triples, dropping any that overlap or overflow the depth. */
function loopsOf(raw: { start: number; len: number; count: number }[], layers: number): LoopSpec[] {
  const loops: LoopSpec[] = [];
  let depth = layers;
  for (const r of raw) {
    const start = r.start % layers;
    const end = Math.min(layers - 1, start + r.len);
    const extra = (r.count - 1) * (end - start + 1);
    if (loops.some((l) => start <= l.end && l.start <= end) || depth + extra > LIMITS.depth.max) continue;
    loops.push({ start, end, count: r.count });
    depth += extra;
  }
  return loops;
}

/** A block whose parameters the model refuses (a cross-field check) falls back to its defaults. */
function fit(slot: Slot, ref: BlockRef, model: { dModel: number; nHeads: number; maxLen: number }): BlockRef {
  return findBlock(slot, ref.kind)!.parse(ref.params, model).ok ? ref : { kind: ref.kind, params: {} };
}

/** Random valid specs, as the validator returns them (every default filled in). */
export const specArb: fc.Arbitrary<Spec> = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: LIMITS.name.max }),
    seed: fc.integer({ min: LIMITS.seed.min, max: LIMITS.seed.max }),
    nHeads: fc.integer({ min: LIMITS.nHeads.min, max: LIMITS.nHeads.max }),
    headDim: fc.integer({ min: 1, max: 64 }),
    maxLen: fc.integer({ min: LIMITS.maxLen.min, max: LIMITS.maxLen.max }),
    position: blockArb('position'),
    layers: fc.array(
      fc.record({ mixer: blockArb('mixer'), norm: blockArb('norm'), placement: fc.constantFrom('pre' as const, 'post' as const, 'peri' as const), ffn: blockArb('ffn'), topology: blockArb('topology') }).chain((l) =>
        // Drop switches (He et al. 2024), absent from most layers as in most documents.
        fc.option(fc.record({ mixer: fc.boolean(), ffn: fc.boolean() }), { freq: 3 }).map((drop) => (drop ? { ...l, drop } : l)),
      ),
      { minLength: LIMITS.layers.min, maxLength: LIMITS.layers.max },
    ),
    loops: fc.array(fc.record({ start: fc.nat(11), len: fc.nat(3), count: fc.integer({ min: LIMITS.loopCount.min, max: LIMITS.loopCount.max }) }), { maxLength: 3 }),
    sigma: fc.record({ enabled: fc.boolean(), gamma: fc.double({ min: LIMITS.sigmaGamma.min, max: LIMITS.sigmaGamma.max, noNaN: true }) }),
  })
  .map((r) => {
    // dModel = nHeads · headDim, within its range (a multiple of nHeads, so the heads divide it).
    const dModel = Math.min(Math.max(r.nHeads * r.headDim, Math.ceil(LIMITS.dModel.min / r.nHeads) * r.nHeads), Math.floor(LIMITS.dModel.max / r.nHeads) * r.nHeads);
    const model = { dModel, nHeads: r.nHeads, maxLen: r.maxLen };
    const raw = {
      version: SPEC_VERSION,
      name: r.name,
      seed: r.seed,
      dModel,
      nHeads: r.nHeads,
      maxLen: r.maxLen,
      tokenizer: { kind: 'char' },
      position: fit('position', r.position, model),
      layers: r.layers.map((l) => ({ ...l, mixer: fit('mixer', l.mixer, model), norm: fit('norm', l.norm, model), ffn: fit('ffn', l.ffn, model), topology: fit('topology', l.topology, model) })),
      loops: loopsOf(r.loops, r.layers.length),
      sigmaReparam: r.sigma,
    };
    return validateSpec(raw);
  })
  .filter((r) => r.ok)
  .map((r) => (r as { ok: true; spec: Spec }).spec);

/** Text of every kind: ASCII, any UTF-16 code units (lone surrogates too), and long runs. */
export const textArb = fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ minLength: 1000, maxLength: 3000 }));

const idArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/);

/** Random valid share documents: a valid spec, text, a view inside the model, and the optional parts. */
export const docArb: fc.Arbitrary<ShareDoc> = specArb.chain((spec) =>
  fc
    .record(
      {
        text: textArb,
        layer: fc.nat(layerSchedule(spec).length - 1),
        head: fc.nat(spec.nHeads - 1),
        preset: idArb,
        lesson: fc.record({ id: idArb, step: fc.nat(999) }),
        classroom: fc.record({ hide: fc.subarray([...CLASSROOM_PARTS]), locked: fc.boolean() }),
      },
      { requiredKeys: ['text', 'layer', 'head'] },
    )
    .map(({ text, layer, head, ...optional }): ShareDoc => ({ v: 1, spec, text, view: { layer, head }, ...optional })),
);

const pack = (value: unknown) => LZString.compressToEncodedURIComponent(JSON.stringify(value));

/** One change to a string: cut, flip, insert or delete a character at a random place. */
function mutate(link: string): fc.Arbitrary<string> {
  const at = fc.nat(Math.max(0, link.length - 1));
  const ch = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
  return fc.oneof(
    at.map((i) => link.slice(0, i)),
    fc.tuple(at, ch).map(([i, c]) => link.slice(0, i) + c + link.slice(i + 1)),
    fc.tuple(at, ch).map(([i, c]) => link.slice(0, i) + c + link.slice(i)),
    at.map((i) => link.slice(0, i) + link.slice(i + 1)),
    fc.tuple(at, fc.nat(40)).map(([i, n]) => link.slice(0, i) + link.slice(i + n)),
  );
}

/**
 * Links as they arrive in the world: valid ones mutated, junk, huge ones, documents of other
 * versions, JSON of any shape compressed, and the first kind of link broken the same ways.
 */
export const linkArb: fc.Arbitrary<string> = fc.oneof(
  docArb.chain((doc) => mutate(`#${shareToHash(doc)}`)),
  docArb.chain((doc) => mutate(`https://example.org/app/#${shareToHash(doc)}`).chain(mutate)),
  fc.tuple(fc.constantFrom('', '#', '#s=', '#c=', 's=', '#x=', '#s=&c='), fc.string({ unit: 'binary', maxLength: 300 })).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('#s=', '#c='), fc.constantFrom('A', 'x', '-', '+', ' ', '$'), fc.integer({ min: MAX_LINK_DATA - 10, max: 2 * MAX_LINK_DATA })).map(([p, c, n]) => p + c.repeat(n)),
  fc.tuple(fc.constantFrom('#s=', '#c='), fc.jsonValue()).map(([p, v]) => p + pack(v)),
  fc.tuple(docArb, fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constant(undefined))).map(([doc, v]) => `#s=${pack({ ...doc, v })}`),
  fc.tuple(docArb, fc.integer({ min: -3, max: 9 })).map(([doc, version]) => `#s=${pack({ ...doc, spec: { ...doc.spec, version } })}`),
  fc.tuple(docArb, fc.string({ maxLength: 8 }), fc.jsonValue()).map(([doc, key, value]) => `#s=${pack({ ...doc, [key]: value })}`),
  fc.tuple(docArb, fc.constantFrom('spec', 'text', 'view', 'preset', 'lesson', 'classroom'), fc.jsonValue()).map(([doc, key, value]) => `#s=${pack({ ...doc, [key]: value })}`),
  specArb.chain((spec) => mutate(`#c=${pack(spec)}`)),
);
