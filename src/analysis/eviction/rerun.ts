/**
 * The exact effect of KV-cache eviction (issue 20, item 5): decode the text again with the cache
 * masked as a policy decides, and compare each step's next-token distribution with the full
 * cache's.
 *
 * The graph (driven through src/decode/driver.ts startDecoding): compile(spec, { mode: 'decode', T: C, evict: true, rows: true }). Each cache run r
 * takes keep.<r> [1, H, slots] (1 keep, 0 evicted) and returns attn_row.<r> [1, H, 1, slots], the
 * weights this step's query actually gave the slots. An evicted slot is masked out of the softmax,
 * so the kept keys' weights are renormalised over the kept ones (as a real cache that no longer
 * holds the key computes them). The K/V tensors still hold every token (the full layout): eviction
 * is a mask, which lets policies that choose afresh (SnapKV, the ceiling) bring a key back.
 *
 * At step t (token t fed at position t):
 *
 *   for each cache run r and query head h:  keep_t = policy[r][h].keep(t)   (keys 0..t)
 *   logits_t, rows_t = step(token_t, keep)                                  (the evicted run)
 *   for each r, h:  policy[r][h].observe(t, rows_t[r][h][0..t])             (what THIS run produced)
 *   KL_t = Σ_v p_v (log p_v − log q_v),  p = softmax(full logits_t), q = softmax(logits_t)  (float64)
 *
 * so a policy sees only the rows its own masked cache produced, as it would in a server: once an
 * early layer evicts, later layers' rows (and their policies' scores) change too. The full run is
 * the same graph with every keep at 1, which computes exactly what the graph without `evict` does.
 *
 * Positions: every kept key keeps its original position (its slot's position is rotated / biased
 * as without eviction). StreamingLLM's own code re-numbers the kept keys by their rank in the
 * cache; that is not modelled here (docs/decoding.md says so).
 *
 * Where it applies: runs whose cache has one slot per position (layout full: slot s = position s,
 * softmax attention and the other full-cache mixers). A run with a window or sinks layout (its own
 * cache is already smaller than C) keeps all its slots; runs with recurrent or recomputed state
 * have no keep input. Policies run per query head, also under GQA/MQA (a server evicting per K/V
 * head would share one mask across a group).
 *
 * The ceiling (top-k) is an oracle of the current row; here it reads the FULL run's row t of the
 * same run and head (the attention the model would give with nothing evicted), since the evicted
 * run's row t exists only after its keep mask was chosen.
 */
import type { OnlinePolicy, PolicyKind, PolicyParams } from './policy';
import { createPolicy } from './registry';

/**
 * What the re-run drives: a decode run of src/decode/driver.ts (`DecodeRun`, which has this shape;
 * analysis/ names it by shape, since it imports nothing outside itself).
 */
export interface DecodeRun {
  readonly capacity: number;
  /** Feeds one token; `keep` gives each cache run's keep mask [H · slots]. */
  step(token: number, keep?: (run: number, heads: number, slots: number) => Float32Array): Promise<{ logits: Float32Array; rows: Map<number, { dims: readonly number[]; data: Float32Array }> }>;
}

/** One step's rows: per evicted run, the weights [H · slots] (row-major over heads). */
export type StepRows = Map<number, { heads: number; slots: number; data: Float32Array }>;

/** Per run and head, which of keys 0..t stay at step t; `oracle` is the full run's row (the ceiling reads it). */
export interface Evictor {
  keep(t: number, run: number, head: number, oracle?: Float64Array): Uint8Array;
  observe(t: number, run: number, head: number, row: Float64Array): void;
}

/**
 * Positions within the cache (StreamingLLM's own numbering), for a graph compiled with
 * `cachePositions`: each step, every kept key of a run takes its rank among the kept keys and the
 * query the rank of the new key, fed as keypos.<r> [slots] and querypos.<r> [1] through `feed`
 * (the session's setWeights, queued before the step's run). One mask per run: the policy must
 * keep the same keys in every head (StreamingLLM does). With `ranks` false the text positions are
 * fed instead (what the graph without cachePositions computes).
 */
export interface CachePositions {
  feed(inputs: { name: string; dims: number[]; data: Float32Array }[]): Promise<void>;
  /** True: ranks within the cache; false: the text positions (key j at j, the query at t), for policies whose heads keep different keys. */
  ranks: boolean;
}

/** Keys' ranks among the kept ones (0 elsewhere) over `slots`, and the query's: the new key's rank. */
export function cacheRanks(mask: ArrayLike<number>, t: number, slots: number): { keys: Float32Array; query: number } {
  const keys = new Float32Array(slots);
  let rank = 0;
  for (let j = 0; j <= t; j++) if (mask[j]) keys[j] = rank++;
  return { keys, query: mask[t] ? keys[t]! : rank };
}

/** What decoding a text gave: each step's logits [V] and each evicted run's rows. */
export interface Trace {
  logits: Float32Array[];
  rows: StepRows[];
  /** The runs whose keep masks the evictor chose (a cache with one slot per position). */
  evictedRuns: number[];
  /** Per step, the mean over evicted runs and heads of the number of keys kept (t + 1 when nothing is evicted). */
  kept: Float64Array;
}

/** Row h of a [H · slots] row-major array, keys 0..t, as float64. */
function headRow(data: Float32Array, slots: number, h: number, t: number): Float64Array {
  const row = new Float64Array(t + 1);
  for (let j = 0; j <= t; j++) row[j] = data[h * slots + j]!;
  return row;
}

/**
 * Decodes `tokens` on `run` (a fresh run of an evict + rows graph), with `evictor` choosing the
 * keep masks (none: every slot kept, the full cache). `oracle`, the full run's trace, feeds the
 * ceiling. Runs whose cache has fewer slots than the capacity keep everything.
 */
export async function decodeTrace(run: DecodeRun, tokens: readonly number[], evictor?: Evictor, oracle?: Trace, positions?: CachePositions): Promise<Trace> {
  const C = run.capacity;
  if (tokens.length > C) throw new Error(`the text has ${tokens.length} tokens but the decode graph holds ${C}: compile it with a larger capacity`);
  const out: Trace = { logits: [], rows: [], evictedRuns: [], kept: new Float64Array(tokens.length) };
  const evicted = new Set<number>();
  for (let t = 0; t < tokens.length; t++) {
    let keptSum = 0;
    let keptCount = 0;
    const fed: Promise<void>[] = [];
    const keep = (r: number, heads: number, slots: number): Float32Array => {
      const m = new Float32Array(heads * slots).fill(1);
      if (slots !== C) {
        if (positions) throw new Error(`positions within the cache need every attention run to keep one slot per token; run ${r} has ${slots} slots for ${C} tokens`);
        return m;
      }
      evicted.add(r);
      const feedRanks = () => {
        if (!positions) return;
        if (!positions.ranks) {
          const keys = Float32Array.from({ length: slots }, (_, j) => (j <= t ? j : 0));
          fed.push(positions.feed([{ name: `keypos.${r}`, dims: [slots], data: keys }, { name: `querypos.${r}`, dims: [1], data: Float32Array.of(t) }]));
          return;
        }
        for (let h = 1; h < heads; h++)
          for (let j = 0; j <= t; j++) if (m[h * slots + j] !== m[j]) throw new Error(`positions within the cache need one keep mask per run: run ${r} keeps different keys in heads 0 and ${h} at step ${t}`);
        const { keys, query } = cacheRanks(m, t, slots);
        fed.push(positions.feed([{ name: `keypos.${r}`, dims: [slots], data: keys }, { name: `querypos.${r}`, dims: [1], data: Float32Array.of(query) }]));
      };
      if (!evictor) {
        feedRanks();
        return m;
      }
      for (let h = 0; h < heads; h++) {
        const oracleData = oracle?.rows[t]?.get(r);
        const mask = evictor.keep(t, r, h, oracleData ? headRow(oracleData.data, slots, h, t) : undefined);
        if (mask.length !== t + 1) throw new Error(`a keep mask at step ${t} must cover keys 0..${t}, got ${mask.length} entries`);
        // The ceiling may leave out the new key itself (its row need not rank it in the top B); a
        // row with no key at all would have nothing to normalise over.
        let n = 0;
        for (let j = 0; j <= t; j++) {
          m[h * slots + j] = mask[j]!;
          n += mask[j]!;
        }
        if (n === 0) throw new Error(`a keep mask at step ${t} kept no key (run ${r}, head ${h})`);
        keptSum += n;
        keptCount++;
      }
      feedRanks();
      return m;
    };
    const step = await run.step(tokens[t]!, keep);
    await Promise.all(fed);
    out.logits.push(step.logits.slice());
    const rows: StepRows = new Map();
    for (const [r, tensor] of step.rows) {
      const [, heads, , slots] = tensor.dims as number[];
      const data = tensor.data.slice();
      rows.set(r, { heads: heads!, slots: slots!, data });
      if (evictor && evicted.has(r)) for (let h = 0; h < heads!; h++) evictor.observe(t, r, h, headRow(data, slots!, h, t));
    }
    out.rows.push(rows);
    out.kept[t] = keptCount ? keptSum / keptCount : t + 1;
  }
  out.evictedRuns = [...evicted].sort((a, b) => a - b);
  return out;
}

/** An evictor with one instance of `kind` per (run, head), made on first use. `params` per instance (Keyformer's seeded rng). */
export function policyEvictor(kind: PolicyKind, budget: number, params: (run: number, head: number) => PolicyParams): Evictor {
  const made = new Map<string, OnlinePolicy>();
  const at = (r: number, h: number) => {
    const key = `${r}.${h}`;
    let p = made.get(key);
    if (!p) made.set(key, (p = createPolicy(kind, params(r, h), budget)));
    return p;
  };
  return {
    keep: (t, r, h, oracle) => at(r, h).keep(t, oracle),
    observe: (t, r, h, row) => at(r, h).observe(t, row),
  };
}

/** log Σ exp(x), float64. */
function logSumExp(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s);
}

/** KL(p ‖ q) in nats between the softmax distributions of two logit vectors, in float64 (0 when they are equal). */
export function klFromLogits(full: ArrayLike<number>, evicted: ArrayLike<number>): number {
  const lp = logSumExp(full);
  const lq = logSumExp(evicted);
  let kl = 0;
  for (let i = 0; i < full.length; i++) {
    const logP = full[i]! - lp;
    kl += Math.exp(logP) * (logP - (evicted[i]! - lq));
  }
  return Math.max(0, kl);
}

/** Index of the largest logit (the first on ties). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** One policy at one budget on the text: KL per step, and its mean over the steps that evict (t ≥ budget). */
export interface CostCell {
  kind: PolicyKind;
  budget: number;
  /** KL(full ‖ evicted) at each step t, nats. */
  kl: Float64Array;
  /** Mean KL over the steps where the cache is over budget (t ≥ budget); 0 when there are none. */
  meanKl: number;
  /** Fraction of those steps whose top token differs from the full cache's. */
  flipped: number;
}

/** Mean KL and top-token flips over steps t ≥ budget. */
export function summarise(kind: PolicyKind, budget: number, full: Trace, evicted: Trace): CostCell {
  const T = full.logits.length;
  const kl = new Float64Array(T);
  let s = 0;
  let flips = 0;
  let n = 0;
  for (let t = 0; t < T; t++) {
    kl[t] = klFromLogits(full.logits[t]!, evicted.logits[t]!);
    if (t >= budget) {
      s += kl[t]!;
      flips += argmax(full.logits[t]!) === argmax(evicted.logits[t]!) ? 0 : 1;
      n++;
    }
  }
  return { kind, budget, kl, meanKl: n ? s / n : 0, flipped: n ? flips / n : 0 };
}

/** A fresh decode run (zero state) of the evict + rows graph, on a session already made. */
export type OpenRun = () => DecodeRun;

/**
 * The whole measurement on one text: the full run once, then every policy at every budget, each
 * on a fresh run. `paramsFor` gives each policy instance its parameters (Keyformer: its schedule
 * length and seeded generator). `onCell` hears each cell as it is done; `stop()` is asked between cells.
 */
export async function evictionCost(
  open: OpenRun,
  tokens: readonly number[],
  kinds: readonly PolicyKind[],
  budgets: readonly number[],
  paramsFor: (kind: PolicyKind, budget: number, run: number, head: number) => PolicyParams,
  onCell: (cell: CostCell) => void = () => undefined,
  stop: () => boolean = () => false,
  positionsFor?: (kind: PolicyKind | 'full') => CachePositions | undefined,
): Promise<{ full: Trace; cells: CostCell[] }> {
  const full = await decodeTrace(open(), tokens, undefined, undefined, positionsFor?.('full'));
  if (!full.evictedRuns.length) throw new Error('this model has no attention cache to evict (no run of it keeps one key per token)');
  const cells: CostCell[] = [];
  for (const kind of kinds) {
    for (const budget of budgets) {
      if (stop()) return { full, cells };
      const evicted = await decodeTrace(open(), tokens, policyEvictor(kind, budget, (r, h) => paramsFor(kind, budget, r, h)), full, positionsFor?.(kind));
      const cell = summarise(kind, budget, full, evicted);
      cells.push(cell);
      onCell(cell);
    }
  }
  return { full, cells };
}

/** Teacher-forced examples: tokens, the target after each position, and which positions are scored. */
export interface ScoredExample {
  tokens: readonly number[];
  targets: readonly number[];
  scored: readonly boolean[];
}

/**
 * Task accuracy with an evicted cache: each example decoded on a fresh run (up to its last scored
 * position), a scored position right when its top token is the target, as the eval graph counts
 * it (src/train/step.ts). With no evictor it is the full cache's accuracy.
 */
export async function taskAccuracy(
  open: OpenRun,
  examples: readonly ScoredExample[],
  makeEvictor?: () => Evictor,
  needsOracle = false,
  positions?: CachePositions,
  fullPositions: CachePositions | undefined = positions,
): Promise<number> {
  let right = 0;
  let count = 0;
  for (const ex of examples) {
    const last = ex.scored.lastIndexOf(true);
    if (last < 0) continue;
    const tokens = ex.tokens.slice(0, last + 1);
    const evictor = makeEvictor?.();
    // The ceiling needs the full run's rows; other policies never read them.
    const oracle = evictor && needsOracle ? await decodeTrace(open(), tokens, undefined, undefined, fullPositions) : undefined;
    const trace = await decodeTrace(open(), tokens, evictor, oracle, positions);
    for (let t = 0; t <= last; t++) {
      if (!ex.scored[t]) continue;
      count++;
      if (argmax(trace.logits[t]!) === ex.targets[t]) right++;
    }
  }
  return count ? right / count : 0;
}
