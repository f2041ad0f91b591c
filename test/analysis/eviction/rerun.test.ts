// The exact eviction re-run (src/analysis/eviction/rerun.ts): with nothing evicted it is the full cache
// bit for bit; a hand-made keep schedule gives the float64 reference forward pass with those keys
// masked out of each query's softmax; StreamingLLM's masks give what the sink_attention model's
// own cache gives; and the policies run end to end with KL ≥ 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile';
import { startDecoding } from '../../../src/decode/driver';
import { cacheRanks, decodeTrace, evictionCost, klFromLogits, policyEvictor, taskAccuracy, type CachePositions, type Evictor } from '../../../src/analysis/eviction/rerun';
import { toOnnxBytes } from '../../../src/graph/onnx';
import type { Graph } from '../../../src/graph/ir';
import type { LoadedModel } from '../../../src/runtime/ort';
import { defaultLayer } from '../../../src/spec/defaults';
import type { Spec } from '../../../src/spec/types';
import { validateSpec } from '../../../src/spec/schema';
import { Rng } from '../../../src/train/random';
import { VOCAB_SIZE } from '../../../src/spec/vocab';
import { aloneSpec } from '../../blocks/harness';
import { referenceAttention } from '../../blocks/attention.ref';
import { REFERENCES, referenceForward } from '../../reference/forward64';
import { columns, mat, setColumns, softmax } from '../../reference/math';
import { rotateBy } from '../../blocks/rope.ref';
import { expectClose, nodeRuntime, weightsOf } from '../../helpers';
import { decodeLogits, maxDiff } from '../../decode/harness';

const TOKENS = [5, 17, 3, 30, 8, 8, 22, 41, 2, 13, 7, 19];
const C = 16;
/** Two layer runs of softmax attention with RoPE (keys rotated at their kept positions), 4 heads. */
const SPEC: Spec = { ...aloneSpec({ mixer: { kind: 'softmax_attention', params: {} }, position: { kind: 'rope', params: {} } }, { dModel: 16, nHeads: 4, maxLen: 16 }) };
/** Validated: the float64 reference reads the parameters with their defaults filled in. */
const TWO: Spec = (() => {
  const checked = validateSpec({ ...SPEC, layers: [defaultLayer(), defaultLayer()] });
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  return checked.spec;
})();

const evictGraph = (spec: Spec, opts: { weights?: 'inputs' } = {}): Graph => compile(spec, { T: C, mode: 'decode', evict: true, rows: true, ...opts });

async function load(graph: Graph): Promise<LoadedModel> {
  return (await nodeRuntime()).load(toOnnxBytes(graph));
}

/** A keep schedule made by hand: a pseudo-random subset per step, run and head, always with the new key. */
function handMade(t: number, run: number, head: number): Uint8Array {
  const m = new Uint8Array(t + 1);
  for (let j = 0; j <= t; j++) m[j] = j === t || (j * 7 + t * 3 + run * 5 + head * 11) % 5 < 2 ? 1 : 0;
  return m;
}

describe('the exact eviction re-run', () => {
  let graph: Graph;
  let model: LoadedModel;
  beforeAll(async () => {
    graph = evictGraph(TWO);
    model = await load(graph);
  });
  afterAll(async () => {
    await model.release();
  });
  const open = () => startDecoding(model, TWO, C);

  it('a budget that holds every step\'s cache changes nothing: the logits are the full run\'s exactly, KL 0', async () => {
    const full = await decodeTrace(open(), TOKENS);
    expect(full.evictedRuns).toEqual([0, 1]);
    for (const kind of ['h2o', 'streaming_llm', 'snapkv', 'topk'] as const) {
      const evicted = await decodeTrace(open(), TOKENS, policyEvictor(kind, TOKENS.length, () => ({})), full);
      evicted.logits.forEach((l, t) => {
        expect(Array.from(l), `${kind} step ${t}`).toEqual(Array.from(full.logits[t]!));
        expect(klFromLogits(full.logits[t]!, l)).toBe(0);
      });
    }
    // …and the full run equals the decode graph compiled without keep inputs.
    const plain = await decodeLogits(TWO, TOKENS, C);
    expect(Math.max(...plain.map((p, t) => maxDiff(p, full.logits[t]!)))).toBe(0);
  });

  it('a hand-made keep schedule gives the float64 forward pass with those keys masked per query, layer run and head', async () => {
    const evictor: Evictor = { keep: (t, r, h) => handMade(t, r, h), observe: () => undefined };
    const trace = await decodeTrace(open(), TOKENS, evictor);
    // Something was evicted: about 60% of the earlier keys at every step from 2 on.
    expect(trace.kept[TOKENS.length - 1]!).toBeLessThan(TOKENS.length * 0.7);
    const saved = REFERENCES.mixer['softmax_attention']!;
    REFERENCES.mixer['softmax_attention'] = (ctx, x, p) =>
      referenceAttention(ctx, x, {
        kvHeads: p['kvHeads'] as number,
        visible: (i, j) => j <= i,
        normalise: (logits, i, h) => {
          const keep = handMade(i, ctx.layer, h);
          return softmax(logits.map((l, j) => (j <= i && keep[j] ? l : -Infinity)));
        },
      });
    try {
      const ref = referenceForward(TWO, weightsOf(compile(TWO, { T: TOKENS.length, mode: 'fast' })), TOKENS, VOCAB_SIZE);
      const V = VOCAB_SIZE;
      trace.logits.forEach((l, t) => expectClose(l, ref.logits.subarray(t * V, (t + 1) * V), 1e-4, `step ${t}`));
      // The masking matters: the unmasked reference differs.
      REFERENCES.mixer['softmax_attention'] = saved;
      const unmasked = referenceForward(TWO, weightsOf(compile(TWO, { T: TOKENS.length, mode: 'fast' })), TOKENS, VOCAB_SIZE);
      const last = TOKENS.length - 1;
      expect(maxDiff(unmasked.logits.subarray(last * V), ref.logits.subarray(last * V))).toBeGreaterThan(1e-3);
    } finally {
      REFERENCES.mixer['softmax_attention'] = saved;
    }
  });

  it('the rows a policy observes are the evicted run\'s: zero at evicted keys, summing to 1 over the kept ones', async () => {
    const seen: { t: number; row: Float64Array; mask: Uint8Array }[] = [];
    const inner = policyEvictor('h2o', 5, () => ({}));
    const masks = new Map<string, Uint8Array>();
    const evictor: Evictor = {
      keep: (t, r, h, o) => {
        const m = inner.keep(t, r, h, o);
        masks.set(`${t}.${r}.${h}`, m);
        return m;
      },
      observe: (t, r, h, row) => {
        seen.push({ t, row, mask: masks.get(`${t}.${r}.${h}`)! });
        inner.observe(t, r, h, row);
      },
    };
    await decodeTrace(open(), TOKENS, evictor);
    expect(seen.length).toBe(TOKENS.length * 2 * 4);
    for (const { t, row, mask } of seen) {
      expect(row.length).toBe(t + 1);
      expect(mask.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5);
      let sum = 0;
      row.forEach((w, j) => {
        if (!mask[j]) expect(w).toBe(0);
        sum += w;
      });
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('every policy runs at two budgets; KL ≥ 0, 0 before the cache is full, larger budgets cost less on average', async () => {
    const kinds = ['streaming_llm', 'h2o', 'scissorhands', 'keyformer', 'a2sf', 'snapkv', 'topk'] as const;
    const { cells } = await evictionCost(open, TOKENS, kinds, [3, 8], (_kind, budget, r, h) => ({ steps: TOKENS.length, rng: new Rng(r * 31 + h + budget) }));
    expect(cells.length).toBe(14);
    for (const c of cells) {
      c.kl.forEach((k, t) => {
        expect(k).toBeGreaterThanOrEqual(0);
        if (t < c.budget) expect(k, `${c.kind} ${c.budget} step ${t}`).toBe(0);
      });
    }
    const mean = (b: number) => cells.filter((c) => c.budget === b).reduce((s, c) => s + c.meanKl, 0);
    expect(mean(3)).toBeGreaterThan(0);
    expect(mean(8)).toBeLessThan(mean(3));
  }, 60_000);

  it('task accuracy: with nothing evicted it is the full cache\'s; it counts scored positions only', async () => {
    const full = await decodeTrace(open(), TOKENS);
    const argmax = (l: Float32Array) => l.indexOf(Math.max(...l));
    // Targets: the full run's own top tokens at even positions, a wrong token at odd ones.
    const targets = full.logits.map((l, t) => (t % 2 ? (argmax(l) + 1) % VOCAB_SIZE : argmax(l)));
    const scored = TOKENS.map((_, t) => t >= 2);
    const ex = { tokens: TOKENS, targets, scored };
    expect(await taskAccuracy(open, [ex])).toBeCloseTo(5 / 10, 12);
    expect(await taskAccuracy(open, [ex], () => policyEvictor('h2o', 64, () => ({})))).toBeCloseTo(5 / 10, 12);
  });
});

describe('StreamingLLM masks equal the sinks + window cache of sink_attention', () => {
  it('same weights, sinks 2, window 3: the evicted softmax model decodes as the sink_attention model', async () => {
    const S = 2;
    const w = 3;
    const sinkSpec: Spec = { ...TWO, layers: TWO.layers.map((l) => ({ ...l, mixer: { kind: 'sink_attention', params: { sinks: S, window: w } } })) };
    const softGraph = evictGraph(TWO);
    const soft = await load(softGraph);
    const sinkModel = await load(compile(sinkSpec, { T: C, mode: 'decode', weights: 'inputs' }));
    try {
      await sinkModel.setWeights(
        sinkModel.weightNames
          .filter((n) => !n.startsWith('state.') && n !== 'position')
          .map((name) => {
            const init = softGraph.initializers.find((i) => i.tensor.name === name)!;
            return { name, dims: [...init.tensor.shape], data: init.data as Float32Array };
          }),
      );
      const evicted = await decodeTrace(startDecoding(soft, TWO, C), TOKENS, policyEvictor('streaming_llm', S + w, () => ({ sinks: S })));
      const sink = startDecoding(sinkModel, sinkSpec, C);
      let moved = 0;
      for (let t = 0; t < TOKENS.length; t++) {
        const l = (await sink.step(TOKENS[t]!)).logits;
        expectClose(evicted.logits[t]!, l, 1e-5, `step ${t}`);
        moved = Math.max(moved, maxDiff(l, evicted.logits[0]!));
      }
      expect(moved).toBeGreaterThan(1e-3);
    } finally {
      await soft.release();
      await sinkModel.release();
    }
  });
});

describe('StreamingLLM with positions within the cache (compile option cachePositions)', () => {
  const S = 2;
  const BUDGET = 5;
  /** StreamingLLM's keep set at step i: sinks and the last BUDGET − S keys. */
  const kept = (i: number) => Array.from({ length: i + 1 }, (_, j) => (i + 1 <= BUDGET || j < S || j > i - (BUDGET - S) ? 1 : 0));

  it('every kept key is rotated at its rank among the kept keys, the query at its own: the float64 reference with those positions', async () => {
    const graph = compile(TWO, { T: C, mode: 'decode', evict: true, rows: true, cachePositions: true });
    const model = await load(graph);
    try {
      const feed: CachePositions = { feed: (inputs) => model.setWeights(inputs), ranks: true };
      const ranked = await decodeTrace(startDecoding(model, TWO, C), TOKENS, policyEvictor('streaming_llm', BUDGET, () => ({ sinks: S })), undefined, feed);
      const textual = await decodeTrace(startDecoding(model, TWO, C), TOKENS, policyEvictor('streaming_llm', BUDGET, () => ({ sinks: S })), undefined, { ...feed, ranks: false });
      // Text positions through the inputs are the graph's own positions: the plain evict graph's logits.
      const plain = await load(evictGraph(TWO));
      const reference = await decodeTrace(startDecoding(plain, TWO, C), TOKENS, policyEvictor('streaming_llm', BUDGET, () => ({ sinks: S })));
      await plain.release();
      textual.logits.forEach((l, t) => expect(maxDiff(l, reference.logits[t]!), `text positions, step ${t}`).toBeLessThanOrEqual(1e-6));

      // Float64: softmax attention where query i and its kept keys j sit at their ranks (RoPE).
      const { base, fraction } = TWO.position.params as { base: number; fraction: number };
      const saved = REFERENCES.mixer['softmax_attention']!;
      REFERENCES.mixer['softmax_attention'] = (ctx, x) => {
        const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
        const pairs = Math.min(Math.floor(hd / 2), Math.round((fraction * hd) / 2));
        const at = (m: ReturnType<typeof mat>, row: number, pos: number) => rotateBy(mat(1, hd, m.v.slice(row * hd, (row + 1) * hd)), pairs, (_, i) => pos * Math.pow(base, (-2 * i) / (2 * pairs))).v;
        const [q, k, v] = (['q', 'k', 'v'] as const).map((n) => ctx.linear(x, d, n));
        const probs = new Float64Array(H * T * T);
        const mixed = mat(T, d);
        for (let h = 0; h < H; h++) {
          const [qh, kh, vh] = [q, k, v].map((m) => columns(m!, h * hd, hd));
          const out = mat(T, hd);
          for (let i = 0; i < T; i++) {
            const keep = kept(i);
            const { keys, query } = cacheRanks(keep, i, T);
            const qi = at(qh!, i, query);
            const logits = Array.from({ length: T }, (_, j) => {
              if (j > i || !keep[j]) return -Infinity;
              const kj = at(kh!, j, keys[j]!);
              let dot = 0;
              for (let c = 0; c < hd; c++) dot += qi[c]! * kj[c]!;
              return dot / Math.sqrt(hd);
            });
            softmax(logits).forEach((w, j) => {
              probs[(h * T + i) * T + j] = w;
              for (let c = 0; c < hd; c++) out.v[i * hd + c]! += w * vh!.v[j * hd + c]!;
            });
          }
          setColumns(mixed, h * hd, out);
        }
        return { y: ctx.linear(mixed, d, 'o'), probs };
      };
      try {
        const ref = referenceForward(TWO, weightsOf(compile(TWO, { T: TOKENS.length, mode: 'fast' })), TOKENS, VOCAB_SIZE);
        const V = VOCAB_SIZE;
        ranked.logits.forEach((l, t) => expectClose(l, ref.logits.subarray(t * V, (t + 1) * V), 1e-4, `step ${t}`));
      } finally {
        REFERENCES.mixer['softmax_attention'] = saved;
      }
      // The renumbering matters once keys are evicted (step ≥ BUDGET), and not before.
      const last = TOKENS.length - 1;
      expect(maxDiff(ranked.logits[last]!, textual.logits[last]!)).toBeGreaterThan(1e-4);
      expect(maxDiff(ranked.logits[BUDGET - 1]!, textual.logits[BUDGET - 1]!)).toBeLessThanOrEqual(1e-6);
    } finally {
      await model.release();
    }
  }, 60_000);

  it('refuses a policy whose heads keep different keys', async () => {
    const model = await load(compile(TWO, { T: C, mode: 'decode', evict: true, rows: true, cachePositions: true }));
    try {
      const feed: CachePositions = { feed: (inputs) => model.setWeights(inputs), ranks: true };
      const evictor: Evictor = { keep: (t, r, h) => handMade(t, r, h), observe: () => undefined };
      await expect(decodeTrace(startDecoding(model, TWO, C), TOKENS, evictor, undefined, feed)).rejects.toThrow(/one keep mask per run/);
    } finally {
      await model.release();
    }
  });
});
