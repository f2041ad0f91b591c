/**
 * The numbers behind the head statistics chart, apart from drawing: one statistic of every head of
 * a layer run against step, from the training snapshots (workers/jobs.ts records the statistics of
 * the probe's full maps with each snapshot), and what uniform causal attention would score, the
 * chart's dashed reference. Pure functions, tested in test/ui/headStatsChart.test.ts.
 */
import { headEntropies } from '../../analysis/entropy';
import type { TrainSnapshot } from '../../state/training';
import type { HeadStat } from '../views/headStatsInfo';
import { snapshotSupport } from './timelineView';

/**
 * `stat` of every head of layer run `layer` at each snapshot: the snapshots' steps and, per head,
 * its value at each (NaN where it has none: no repeated token for induction, or a snapshot kept
 * before statistics were recorded). Entropy is the fraction of uniform the entropy view shows.
 */
export function headStatSeries(snapshots: readonly TrainSnapshot[], layer: number, stat: HeadStat): { steps: number[]; heads: number[][] } {
  const shown = snapshots.filter((s) => s.entropy[layer]);
  const H = shown[0]?.nHeads ?? 0;
  const heads = Array.from({ length: H }, () => [] as number[]);
  for (const s of shown) {
    if (stat === 'entropy') {
      headEntropies(s.entropy[layer]!, snapshotSupport(s)[layer]!, s.nHeads, s.T).forEach((e, h) => heads[h]?.push(e.meanFraction));
      continue;
    }
    const row = s.headStats?.[layer];
    for (let h = 0; h < H; h++) heads[h]!.push(row?.[h]?.[stat] ?? NaN);
  }
  return { steps: shown.map((s) => s.step), heads };
}

/**
 * What a head spreading every query's weight evenly over the query and every earlier key scores on
 * a probe of T tokens (null for induction, which depends on the tokens): previous token and first
 * token 1/(t + 1) at query t ≥ 1, distance t/2, entropy 100% of uniform, each averaged as
 * src/analysis/headStats.ts averages.
 */
export function uniformCausal(stat: HeadStat, T: number): number | null {
  if (stat === 'induction' || T < 1) return null;
  if (stat === 'entropy') return 1;
  if (stat === 'distance') {
    let sum = 0;
    for (let t = 0; t < T; t++) sum += t / 2;
    return sum / T;
  }
  if (T < 2) return null;
  let sum = 0;
  for (let t = 1; t < T; t++) sum += 1 / (t + 1);
  return sum / (T - 1);
}
