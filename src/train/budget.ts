/**
 * The memory budget of training: what one AdamW step of a model needs at batch B and length T,
 * and the check that refuses a step too big to run, before any ONNX is made or weight drawn
 * (docs/cost-model.md, "Training memory").
 *
 * The estimate reads the train graph itself (trainGraph in step.ts, built at this B and T; building
 * it draws no weight, so this takes tens of milliseconds even for gpt2-small):
 *
 *   weights W, gradients W, moments 2·W        W = 4 bytes × trainable parameters
 *   activations A                              every forward tensor a backward op reads, at B and T
 *   the step's peak                            a replay of the graph in order: a tensor lives from
 *                                              the op that writes it to its last reader (outputs to
 *                                              the end, inputs and constants throughout)
 *   host H = 3·W (+ σReparam's vectors)        the trainer's own copy of weights and moments, which
 *                                              it feeds in and gets back as next.* every step
 *   runtime R = 1.6·A + 2·W                    what onnxruntime-web's WASM heap held beyond the
 *                                              replay when measured (docs/cost-model.md): its own
 *                                              order and allocator keep more of the big tensors
 *   peak = max(step's peak + R + H, 4·H)       4·H: while the outputs are copied out, the runtime
 *                                              holds the inputs and next.*, the trainer the old
 *                                              and the new arrays
 *
 * The replay counts what the 4·W + A formula leaves out: the runtime holds the fed weights and
 * moments and the next.* outputs together until the step ends (6·W), and the gradients of the
 * activations (the residual stream's, each layer's) live while the backward pass runs.
 */
import { MEMORY_BUDGET_BYTES } from '../compiler/budget';
import type { Graph, Tensor } from '../graph/ir';
import { numel, tensorBytes } from '../graph/ir';
import { ERROR } from '../spec/errors';
import type { Spec } from '../spec/types';
import { formatBytes } from '../spec/units';
import { trainGraph, type StepShape } from './step';

export { MEMORY_BUDGET_BYTES };

/**
 * What onnxruntime-web (WASM) held beyond the replay, as an allowance: RUNTIME_ACTIVATION_FACTOR ×
 * the kept activations + RUNTIME_WEIGHT_FACTOR × the weights. Its heap after a step, measured in
 * Node at 10 sizes with and without its memory pattern (docs/cost-model.md, "Training memory"),
 * went past the replay by up to 1.57 × the kept activations where they dominate (the default model
 * at T = 128, memory pattern on) and by up to 2.1 × the weights where those dominate (d_model 512,
 * 8 layers, batch 1). Why is the runtime's: its own node order, buffer planner and allocator.
 */
export const RUNTIME_ACTIVATION_FACTOR = 1.6;
export const RUNTIME_WEIGHT_FACTOR = 2;

/** What one training step costs in memory, and whether it fits the budget. */
export interface TrainingStats {
  T: number;
  batch: number;
  /** Trainable parameters (a tied weight counts once). */
  params: number;
  /** The trainable weights as float32: 4 bytes × params. */
  weightBytes: number;
  /** One gradient per weight: weightBytes. */
  gradBytes: number;
  /** AdamW's two moments: 2 × weightBytes. */
  momentBytes: number;
  /** Other persistent state fed to every step: σReparam's power-iteration vectors (sigma_u.*). */
  stateBytes: number;
  /** The activations kept for the backward pass: every forward tensor a backward op reads, at this B and T (a reshaped view counted once). */
  activationBytes: number;
  /**
   * The runtime's peak during one step: a replay of the train graph in order, each tensor alive
   * from its op to its last reader; inputs (weights, moments, tokens), constants and outputs
   * (next.*) throughout. Includes weights, moments, gradients and activations where they coexist.
   */
  stepBytes: number;
  /** What the runtime holds beyond the replay, an allowance from measurement: 1.6 × activationBytes + 2 × weightBytes (RUNTIME_*_FACTOR). */
  runtimeBytes: number;
  /** The trainer's own copy of weights, moments and state between steps: weightBytes + momentBytes + stateBytes. */
  hostBytes: number;
  /**
   * The estimated peak of training at this B and T: max(stepBytes + runtimeBytes + hostBytes, 4·hostBytes). The
   * second term is the moment a step hands back: the trainer's copy, the runtime's copies of the
   * fed inputs and of the next.* outputs, and the new arrays those outputs are copied into.
   */
  peakBytes: number;
  budgetBytes: number;
  /** peakBytes ≤ budgetBytes. */
  fits: boolean;
  /** When it does not fit: what to reduce, with settings that fit (the fixes' texts, after a note when the model alone is too big). Empty otherwise. */
  advice: string[];
  /** When it does not fit: the settings the advice names, each checked to fit with this estimate (applyFix). Empty otherwise. */
  fixes: TrainingFix[];
}

/** A training step refused because it would need more memory than the budget. */
export class TrainingBudgetError extends Error {
  constructor(readonly stats: TrainingStats) {
    super(
      `Training this model at batch ${stats.batch} and T = ${stats.T} needs about ${formatBytes(stats.peakBytes)}, over the ${formatBytes(stats.budgetBytes)} budget ` +
        `(${parts(stats)}): ${stats.advice.join('; ') || 'make it smaller'}.`,
    );
    this.name = ERROR.TrainingBudgetError;
  }
}

/** The parts of a peak, for messages. */
const parts = (s: TrainingStats) =>
  `weights ${formatBytes(s.weightBytes)}, gradients ${formatBytes(s.gradBytes)}, moments ${formatBytes(s.momentBytes)}, activations kept for the backward pass ${formatBytes(s.activationBytes)}`;

/** Ops whose output is a view of their input (the cost model's convention, src/graph/cost.ts). */
const ALIASES = new Set(['Reshape', 'Identity']);

/**
 * The memory of one run of `graph`: `activationBytes`, the forward tensors backward ops read, and
 * `stepBytes`, the peak of a replay in node order. A view (Reshape, Identity) shares its source's
 * buffer, which then lives until the view's last reader. The backward pass starts at the first
 * node autodiff.ts scoped "grad · …" (it appends every backward node after the forward ones).
 */
export function stepMemory(graph: Graph): { activationBytes: number; stepBytes: number } {
  const root = new Map<string, string>(); // a view's name → the buffer it shares
  const bytes = new Map<string, number>(); // buffer → its bytes
  const rootOf = (t: Tensor) => root.get(t.name) ?? t.name;
  const backward = graph.nodes.findIndex((n) => n.scope.startsWith('grad'));
  const producedForward = new Set<string>(); // buffers written by forward ops
  graph.nodes.forEach((n, i) => {
    for (const out of n.outputs) {
      if (ALIASES.has(n.op) && n.inputs[0]) root.set(out.name, rootOf(n.inputs[0]));
      else bytes.set(out.name, tensorBytes(out));
      if ((backward < 0 || i < backward) && !ALIASES.has(n.op)) producedForward.add(out.name);
    }
  });

  // Activations kept: forward buffers an op of the backward pass (or the optimiser after it) reads.
  const kept = new Set<string>();
  if (backward >= 0) {
    for (const n of graph.nodes.slice(backward)) {
      if (ALIASES.has(n.op)) continue;
      for (const t of n.inputs) if (t.name && producedForward.has(rootOf(t))) kept.add(rootOf(t));
    }
  }
  let activationBytes = 0;
  for (const name of kept) activationBytes += bytes.get(name)!;

  // The replay: last reader of each buffer (graph outputs never die).
  const last = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((t) => t.name && last.set(rootOf(t), i)));
  for (const t of graph.outputs) last.set(rootOf(t), Infinity);
  let live = graph.inputs.reduce((s, t) => s + tensorBytes(t), 0) + graph.initializers.reduce((s, i) => s + tensorBytes(i.tensor), 0);
  let stepBytes = live;
  const dying: string[][] = graph.nodes.map(() => []);
  for (const [name, i] of last) if (i !== Infinity && bytes.has(name)) dying[i]!.push(name);
  graph.nodes.forEach((n, i) => {
    for (const out of n.outputs) if (bytes.has(out.name)) live += bytes.get(out.name)!;
    stepBytes = Math.max(stepBytes, live);
    for (const name of dying[i]!) live -= bytes.get(name)!;
    // A buffer nobody reads dies at once (after it was written).
    for (const out of n.outputs) if (bytes.has(out.name) && !last.has(out.name)) live -= bytes.get(out.name)!;
  });
  return { activationBytes, stepBytes };
}

/** The training memory of `spec` at batch `shape.batch` and length `shape.T`. Throws SpecError for a spec that does not compile. */
export function trainingStats(spec: Spec, shape: StepShape): TrainingStats {
  const stats = measure(spec, shape);
  if (!stats.fits) {
    const { note, fixes } = advice(spec, stats);
    stats.fixes = fixes;
    stats.advice = [...(note ? [note] : []), ...fixes.map((f) => f.text)];
  }
  return stats;
}

/** The numbers without advice (the advice searches with this). */
function measure(spec: Spec, shape: StepShape): TrainingStats {
  const { graph, weights } = trainGraph(spec, shape);
  const params = weights.reduce((s, w) => s + numel(w.tensor.shape), 0);
  const weightBytes = 4 * params;
  const stateBytes = graph.inputs.filter((t) => t.name.startsWith('sigma_u.')).reduce((s, t) => s + tensorBytes(t), 0);
  const { activationBytes, stepBytes } = stepMemory(graph);
  const hostBytes = 3 * weightBytes + stateBytes;
  const runtimeBytes = Math.round(RUNTIME_ACTIVATION_FACTOR * activationBytes + RUNTIME_WEIGHT_FACTOR * weightBytes);
  const peakBytes = Math.max(stepBytes + runtimeBytes + hostBytes, 4 * hostBytes);
  return {
    T: shape.T,
    batch: shape.batch,
    params,
    weightBytes,
    gradBytes: weightBytes,
    momentBytes: 2 * weightBytes,
    stateBytes,
    activationBytes,
    stepBytes,
    runtimeBytes,
    hostBytes,
    peakBytes,
    budgetBytes: MEMORY_BUDGET_BYTES,
    fits: peakBytes <= MEMORY_BUDGET_BYTES,
    advice: [],
    fixes: [],
  };
}

/** The largest n in [1, hi] with ok(n), or 0; ok is monotone (true up to some n). */
function largest(hi: number, ok: (n: number) => boolean): number {
  if (hi < 1 || !ok(1)) return 0;
  let lo = 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A setting that fits: the batch, length, number of layers and d_model to train at instead, and what it says. */
export interface TrainingFix {
  batch: number;
  T: number;
  layers: number;
  dModel: number;
  text: string;
}

/** The spec and step shape a fix stands for: the first `layers` layers (loops past them dropped), at `dModel`. */
export function applyFix(spec: Spec, fix: TrainingFix): { spec: Spec; shape: StepShape } {
  const layers = spec.layers.slice(0, fix.layers);
  return { spec: { ...spec, dModel: fix.dModel, layers, loops: spec.loops.filter((l) => l.end < layers.length) }, shape: { batch: fix.batch, T: fix.T } };
}

/**
 * What to reduce, with settings that fit, each found by searching with the same estimate: the
 * batch first (activations grow with it, the weights do not), then the sequence length, then,
 * when neither alone is enough, the number of layers and d_model: at this batch and length if a
 * smaller model fits there, else at batch 1 (and T = 1 when the model alone is too big).
 * Returns the fixes, and a note first when the model alone is over the budget.
 */
function advice(spec: Spec, s: TrainingStats): { note: string | null; fixes: TrainingFix[] } {
  const base = { batch: s.batch, T: s.T, layers: spec.layers.length, dModel: spec.dModel };
  const fitsAt = (f: Omit<TrainingFix, 'text'>) => {
    try {
      const { spec: sp, shape } = applyFix(spec, { ...f, text: '' });
      return measure(sp, shape).fits;
    } catch {
      return false; // a shape the spec refuses
    }
  };
  const fixes: TrainingFix[] = [];
  const verb = () => (fixes.length ? 'or' : 'use');
  const batch = largest(s.batch - 1, (b) => fitsAt({ ...base, batch: b }));
  if (batch) fixes.push({ ...base, batch, text: `${verb()} batch ${s.batch} → ${batch}` });
  const T = largest(s.T - 1, (t) => fitsAt({ ...base, T: t }));
  if (T) fixes.push({ ...base, T, text: `${verb()} sequence length ${s.T} → ${T}` });
  if (fixes.length) return { note: null, fixes };

  // Neither alone: a smaller model, at this batch and length if some fits there, else at batch 1.
  let note: string | null = null;
  if (fitsAt({ ...base, batch: 1, T: 1 })) {
    const T1 = largest(s.T - 1, (t) => fitsAt({ ...base, batch: 1, T: t }));
    fixes.push({ ...base, batch: 1, T: T1, text: `use batch 1 and sequence length ${s.T} → ${T1}` });
  } else {
    const model = measure(spec, { batch: 1, T: 1 });
    note = `the model alone needs ${formatBytes(model.peakBytes)} at batch 1 and T = 1 (${s.params.toLocaleString('en')} parameters, ${formatBytes(s.weightBytes)} of weights, held with their gradients, moments and the copies a step hands back)`;
  }
  const step = 2 * spec.nHeads; // d_model in whole, even head widths
  for (const [b, t] of [[s.batch, s.T], [1, s.T], [1, 1]] as const) {
    const at = { ...base, batch: b, T: t };
    const where = `(fits at batch ${b} and T = ${t})`;
    const L = largest(spec.layers.length - 1, (n) => fitsAt({ ...at, layers: n }));
    const d = step * largest(Math.ceil(spec.dModel / step) - 1, (k) => fitsAt({ ...at, dModel: k * step }));
    const dropped = spec.loops.some((l) => l.end >= L) ? ', without the loops past them' : '';
    if (L) fixes.push({ ...at, layers: L, text: `${verb()} ${spec.layers.length} → ${L} layers${dropped} ${where}` });
    if (d) fixes.push({ ...at, dModel: d, text: `${verb()} d_model ${spec.dModel} → ${d} ${where}` });
    if (L || d) break;
  }
  return { note, fixes };
}

/** Throws TrainingBudgetError when one training step of `spec` at this batch and length would not fit; returns the numbers otherwise. */
export function checkTrainingBudget(spec: Spec, shape: StepShape): TrainingStats {
  const stats = trainingStats(spec, shape);
  if (!stats.fits) throw new TrainingBudgetError(stats);
  return stats;
}
