/**
 * The views as they were at a step of training: while the timeline is set (s.training.timeline),
 * the attention map, head grid and entropy view draw the snapshot the timeline points at
 * (timelineSnapshot, src/state/training.ts) instead of the current result. A snapshot is the
 * worker's run of the job's probe example (the first held-out example of the task, workers/jobs.ts)
 * with the weights of that step: every layer run and head as a thumbnail, each row's entropy, each
 * head's statistics, and the full map of the view selected when training started.
 */
import { useMemo } from 'react';
import { rowSupport } from '../../analysis/maps';
import { CHAR_VOCAB } from '../../spec/vocab';
import type { MapView, ShownResult } from '../../state/store';
import { timelineSnapshot, type TrainingRun, type TrainSnapshot } from '../../state/training';
import { findTask } from '../../train/tasks/registry';
import { useApp, useDeferredResult } from '../useApp';

/**
 * Layer run `layer`, head `head` of a snapshot as a map: the full-size map when it is the one the
 * snapshot holds, else that head's thumbnail (the map itself when T ≤ 24, block means above).
 */
export function snapshotMap(snap: TrainSnapshot, layer: number, head: number): MapView | null {
  if (snap.map.layer === layer && snap.map.head === head) return snap.map;
  const all = snap.thumbs[layer];
  const side = snap.thumbSide;
  if (!all || head < 0 || head >= snap.nHeads) return null;
  return { id: snap.map.id, layer, head, T: snap.T, side, block: Math.ceil(snap.T / side), values: all.subarray(head * side * side, (head + 1) * side * side) };
}

/**
 * Keys with a nonzero weight in each row, per layer run [H, T], for the entropy's uniform maximum.
 * A snapshot does not carry them: counted from the thumbnails when they are the full map (T ≤ 24),
 * else taken as a causal row's (query i sees i + 1 keys).
 */
export function snapshotSupport(snap: TrainSnapshot): Uint16Array[] {
  const { T, nHeads: H } = snap;
  if (snap.thumbSide === T) return snap.thumbs.map((m) => rowSupport(m, H, T));
  const causal = Uint16Array.from({ length: H * T }, (_, r) => (r % T) + 1);
  return snap.thumbs.map(() => causal);
}

const probes = new WeakMap<object, string[]>();

/** The characters of a run's probe example (the task's first held-out example, at the recipe's T); null when its task is unknown. */
export function probePieces(run: TrainingRun): string[] | null {
  const known = probes.get(run.recipe);
  if (known) return known;
  const r = run.recipe;
  const task = findTask(r.task);
  if (!task) return null;
  try {
    const tokens = Array.from(task.heldOut(r.taskParams, r.T, r.text).tokens.subarray(0, r.T));
    const pieces = tokens.map((id) => CHAR_VOCAB[id] ?? '?');
    probes.set(r, pieces);
    return pieces;
  } catch {
    return null;
  }
}

/** `result` with its maps, entropy and text replaced by the snapshot's (what the head grid and entropy view draw from). */
export function atSnapshot(result: ShownResult, snap: TrainSnapshot, pieces: string[] | null): ShownResult {
  const T = snap.T;
  return {
    ...result,
    data: { ...result.data, T, nLayers: snap.nLayers, nHeads: snap.nHeads, thumbs: snap.thumbs, thumbSide: snap.thumbSide, entropy: snap.entropy, support: snapshotSupport(snap), headStats: snap.headStats ?? [] },
    input: { ...result.input, pieces: pieces ?? Array.from({ length: T }, (_, i) => String(i)) },
  };
}

/**
 * The result the views around the map draw: the newest one (deferred, as useDeferredResult), or
 * the model at the timeline's snapshot; `step` is that snapshot's step (null: the present).
 */
export function useTimelineResult(): { result: ShownResult | null; step: number | null } {
  const live = useDeferredResult();
  const snap = useApp((s) => timelineSnapshot(s));
  const run = useApp((s) => (s.training.timeline === null ? null : s.training.runs.a)); // not re-rendered by each report while at Now
  return useMemo(() => (snap && live && run ? { result: atSnapshot(live, snap, probePieces(run)), step: snap.step } : { result: live, step: null }), [live, snap, run]);
}
