/**
 * Validation of a spec from anywhere (the editor, a file, a URL, the command line): structure and
 * ranges by schema, then every block checked against the registry with its own parameter schema.
 * Every error names the field and the allowed range. `parseSpec` migrates older formats first.
 */
import { z } from 'zod';
import { PLACEMENTS, type ModelShape, type Placement, type Slot } from '../blocks/define';
import { findBlock, kindsOf } from '../blocks/registry';
import { migrate } from './migrate';
import { layerSchedule, runName } from './schedule';
import { SPEC_VERSION, type BlockRef, type Spec } from './types';

/** Ranges of the numeric settings, shared by the schema, the docs and the UI controls. */
export const LIMITS = {
  seed: { min: 0, max: 2 ** 31 - 1 },
  /**
   * Up to GPT-2 medium's width (GPT-2 small's 768 fits within it). The range only keeps the number
   * sane: the memory budget (src/compiler/budget.ts) refuses, with its numbers, what is too big.
   */
  dModel: { min: 8, max: 1024 },
  nHeads: { min: 1, max: 16 },
  maxLen: { min: 1, max: 8192 },
  layers: { min: 1, max: 12 },
  name: { min: 1, max: 80 },
  sigmaGamma: { min: 0.01, max: 100 },
  loopCount: { min: 2, max: 8 },
  /** Layer runs once loops are unrolled. */
  depth: { min: 1, max: 48 },
} as const;

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** A whole number within LIMITS[name]; the message gives the range and the value received. */
const int = (name: 'seed' | 'dModel' | 'nHeads' | 'maxLen') => {
  const { min, max } = LIMITS[name];
  const error = (iss: { input?: unknown }) => `must be a whole number from ${min} to ${max}, got ${show(iss.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const PLACEMENT_KEYS = Object.keys(PLACEMENTS) as [Placement, ...Placement[]];

const bool = z.boolean({ error: (iss) => `must be true or false, got ${show(iss.input)}` });

const blockRef = z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()).default({}) });

/** The spec's structure and ranges; types.ts infers the spec's types from it. */
export const specSchema = z.object({
  version: z.literal(SPEC_VERSION),
  /** Shown in the top bar and in exported files. */
  name: z.string().trim().min(LIMITS.name.min, 'must not be empty').max(LIMITS.name.max, `must be at most ${LIMITS.name.max} characters`),
  /** Seed of every weight's random stream. */
  seed: int('seed'),
  dModel: int('dModel'),
  nHeads: int('nHeads'),
  /** Longest text (in tokens) the model takes. */
  maxLen: int('maxLen'),
  tokenizer: z.object({ kind: z.literal('char', { error: (iss) => `must be "char" (the only tokenizer so far), got ${show(iss.input)}` }) }),
  position: blockRef,
  layers: z
    .array(z.object({
      mixer: blockRef,
      norm: blockRef,
      placement: z.enum(PLACEMENT_KEYS, { error: (iss) => `must be ${PLACEMENT_KEYS.map(show).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${show(iss.input)}` }),
      ffn: blockRef,
      /** How the layer's sub-blocks meet the residual stream (sequential, parallel, ladder). */
      topology: blockRef.default({ kind: 'sequential', params: {} }),
      /**
       * Sub-blocks removed from the layer ("What Matters in Transformers? Not All Attention is
       * Needed", He et al. 2024): a dropped mixer or feed-forward goes with its norms and its
       * residual add, its weights are not made, and the stream passes the layer's slot unchanged.
       * Optional in documents (added within format 2): absent means nothing is dropped.
       */
      drop: z
        .object({ mixer: bool.optional(), ffn: bool.optional() }, { error: (iss) => `must be an object like { "mixer": true }, got ${show(iss.input)}` })
        .strict()
        .optional(),
    }))
    .min(LIMITS.layers.min, `must hold from ${LIMITS.layers.min} to ${LIMITS.layers.max} layers`)
    .max(LIMITS.layers.max, `must hold from ${LIMITS.layers.min} to ${LIMITS.layers.max} layers`),
  /** Weight-shared loops over groups of layers; none by default. */
  loops: z
    .array(
      z.object({
        start: z.number().int('must be a whole number').min(0, 'must be a layer index (0 or more)'),
        end: z.number().int('must be a whole number').min(0, 'must be a layer index (0 or more)'),
        count: z
          .number()
          .int(`must be a whole number from ${LIMITS.loopCount.min} to ${LIMITS.loopCount.max}`)
          .min(LIMITS.loopCount.min, `must be a whole number from ${LIMITS.loopCount.min} to ${LIMITS.loopCount.max}`)
          .max(LIMITS.loopCount.max, `must be a whole number from ${LIMITS.loopCount.min} to ${LIMITS.loopCount.max}`),
      }),
    )
    .default([]),
  /** σReparam on every linear layer: Ŵ = (γ / ‖W‖₂) W (Zhai et al., 2023).
   *  Optional in documents (added within format 2): off unless asked for. */
  sigmaReparam: z
    .object({
      enabled: z.boolean({ error: (iss) => `must be true or false, got ${show(iss.input)}` }),
      gamma: z
        .number({ error: (iss) => `must be a number from ${LIMITS.sigmaGamma.min} to ${LIMITS.sigmaGamma.max}, got ${show(iss.input)}` })
        .min(LIMITS.sigmaGamma.min, { error: (iss) => `must be a number from ${LIMITS.sigmaGamma.min} to ${LIMITS.sigmaGamma.max}, got ${show(iss.input)}` })
        .max(LIMITS.sigmaGamma.max, { error: (iss) => `must be a number from ${LIMITS.sigmaGamma.min} to ${LIMITS.sigmaGamma.max}, got ${show(iss.input)}` })
        .default(1),
    })
    .default({ enabled: false, gamma: 1 }),
});

/** A valid spec with every block's parameters filled in, or the reasons it was refused. */
export type SpecResult = { ok: true; spec: Spec } | { ok: false; errors: string[] };

function checkBlock(slot: Slot, ref: BlockRef, where: string, errors: string[], model: ModelShape): BlockRef {
  const block = findBlock(slot, ref.kind);
  if (!block) {
    errors.push(`${where}: unknown ${slot} block "${ref.kind}" (known: ${kindsOf(slot).join(', ')})`);
    return ref;
  }
  const r = block.parse(ref.params, model);
  if (!r.ok) {
    errors.push(`${where}: ${r.message}`);
    return ref;
  }
  return { kind: ref.kind, params: r.params };
}

/** Checks `raw` as a spec of the current format. */
export function validateSpec(raw: unknown): SpecResult {
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    const valueAt = (path: PropertyKey[]) => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.path.length && valueAt(i.path) === undefined ? 'missing' : i.message}`),
    };
  }
  const s = parsed.data;
  const errors: string[] = [];
  if (s.dModel % s.nHeads !== 0) errors.push(`nHeads: must divide dModel (${s.dModel}), got ${s.nHeads}`);
  const L = s.layers.length;
  const sorted = [...s.loops].sort((a, b) => a.start - b.start);
  sorted.forEach((loop, k) => {
    if (loop.end < loop.start || loop.end >= L) errors.push(`loops.${s.loops.indexOf(loop)}: must cover layers start ≤ end < ${L}, got ${loop.start} to ${loop.end}`);
    const next = sorted[k + 1];
    if (next && next.start <= loop.end) errors.push(`loops: loops over layers ${loop.start}–${loop.end} and ${next.start}–${next.end} overlap`);
  });
  const depth = L + s.loops.reduce((n, l) => n + Math.max(0, l.count - 1) * Math.max(0, l.end - l.start + 1), 0);
  if (!errors.length && depth > LIMITS.depth.max) errors.push(`loops: the loops make ${depth} layer runs; at most ${LIMITS.depth.max} are allowed`);
  const model: ModelShape = { dModel: s.dModel, nHeads: s.nHeads, maxLen: s.maxLen };
  const spec: Spec = {
    ...s,
    position: checkBlock('position', s.position, 'position', errors, model),
    layers: s.layers.map((l, i) => ({
      mixer: checkBlock('mixer', l.mixer, `layers.${i}.mixer`, errors, model),
      norm: checkBlock('norm', l.norm, `layers.${i}.norm`, errors, model),
      placement: l.placement,
      ffn: checkBlock('ffn', l.ffn, `layers.${i}.ffn`, errors, model),
      topology: checkBlock('topology', l.topology, `layers.${i}.topology`, errors, model),
      // Written only when something is dropped, so a spec without drops reads and writes as before.
      ...(l.drop?.mixer || l.drop?.ffn ? { drop: { mixer: !!l.drop.mixer, ffn: !!l.drop.ffn } } : {}),
    })),
  };
  // Checks that need the whole stack (a mixer copying an earlier layer's map, a topology that
  // needs a placement), once every block's own parameters are fine.
  if (!errors.length) {
    const runs = layerSchedule(spec).map((run) => {
      const mixer = findBlock('mixer', spec.layers[run.layer]!.mixer.kind)!;
      return { layer: run.layer, name: runName(run), mixer: { title: mixer.title, map: mixer.map, dropped: !!spec.layers[run.layer]!.drop?.mixer } };
    });
    spec.layers.forEach((l, i) =>
      (['mixer', 'norm', 'ffn', 'topology'] as const).forEach((slot) => {
        const problem = findBlock(slot, l[slot].kind)!.checkInSpec(l[slot].params, { layer: i, placement: l.placement, runs });
        if (problem) errors.push(`layers.${i}.${slot}: ${problem}`);
      }),
    );
  }
  return errors.length ? { ok: false, errors } : { ok: true, spec };
}

/** Migrates a configuration of any known format version, then validates it. */
export function parseSpec(raw: unknown): SpecResult {
  const m = migrate(raw);
  return m.ok ? validateSpec(m.doc) : { ok: false, errors: [m.error] };
}

/** Parses configuration JSON text: syntax errors are reported like any other. */
export function parseSpecJson(text: string): SpecResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`spec: not valid JSON (${(e as Error).message})`] };
  }
  return parseSpec(raw);
}
