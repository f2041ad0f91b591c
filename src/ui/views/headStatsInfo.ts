/**
 * What the head statistics say, in words and numbers, apart from drawing: each statistic's short
 * label, name and meaning (the tooltips), how it is written, and the role a head is given when one
 * statistic clearly dominates. Pure functions (no DOM), tested in test/ui/headStats.test.ts.
 * The statistics themselves are src/analysis/headStats.ts's; entropy is the entropy view's
 * (src/analysis/entropy.ts, mean fraction of uniform), so the names follow src/spec/experiment.ts.
 */
import type { HeadStats } from '../../analysis/headStats';
import { HEAD_STATS, type HeadStat } from '../../spec/experiment';

export { HEAD_STATS, type HeadStat };

export interface HeadStatInfo {
  /** A few letters, for the head grid's cells. */
  short: string;
  /** Its name in a sentence or a menu. */
  name: string;
  /** What the number means (the tooltip). */
  meaning: string;
  /** Whether it is a share of the weight in [0, 1] (drawn from 0 to 1) or a distance in positions. */
  unit: 'fraction' | 'positions';
}

export const HEAD_STAT_INFO: Record<HeadStat, HeadStatInfo> = {
  previousToken: {
    short: 'prev',
    name: 'previous-token score',
    meaning: 'Previous-token score: the weight each query puts on the token just before it, averaged over queries (1: always the previous token).',
    unit: 'fraction',
  },
  induction: {
    short: 'ind',
    name: 'induction score',
    meaning:
      'Induction score: the weight each query puts on the tokens that followed earlier occurrences of its own token, averaged over the queries whose token occurred before (1: a perfect induction head). None when no token repeats.',
    unit: 'fraction',
  },
  sink: {
    short: 'sink',
    name: 'first-token (sink) mass',
    meaning: 'Sink mass: the weight each query puts on the first token, averaged over queries after the first (1: everything parked on the first token).',
    unit: 'fraction',
  },
  distance: {
    short: 'dist',
    name: 'mean attention distance',
    meaning: 'Mean attention distance: how far back a query looks, Σ weight × |query − key| in positions, averaged over queries (1: one token back on average).',
    unit: 'positions',
  },
  entropy: {
    short: 'H',
    name: 'entropy (% of uniform)',
    meaning: "Entropy as a fraction of uniform: each query's entropy divided by log(keys it gives weight to), averaged over queries (0%: one key; 100%: spread evenly).",
    unit: 'fraction',
  },
};

/** One head's five statistics: headStats()'s four and the entropy view's mean fraction (NaN there reads as none). */
export type HeadStatValues = Record<HeadStat, number | null>;

export function statValues(stats: HeadStats | undefined, entropyFraction: number): HeadStatValues {
  return {
    previousToken: stats?.previousToken ?? null,
    induction: stats?.induction ?? null,
    sink: stats?.sink ?? null,
    distance: stats?.distance ?? null,
    entropy: Number.isFinite(entropyFraction) ? entropyFraction : null,
  };
}

/** How a value is written in the grid: shares with two decimals, distance with one, entropy in percent; "–" when there is none. */
export function formatStat(stat: HeadStat, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  if (stat === 'entropy') return `${(v * 100).toFixed(0)}%`;
  if (stat === 'distance') return v.toFixed(1);
  return v.toFixed(2);
}

/** The roles a head can be given, and the statistic each one reads. */
export type HeadRole = 'previous-token' | 'induction' | 'sink';
export const ROLE_STAT: Record<HeadRole, HeadStat> = { 'previous-token': 'previousToken', induction: 'induction', sink: 'sink' };
export const ROLE_MEANING: Record<HeadRole, string> = {
  'previous-token': 'Previous-token head: most of its weight goes to the token just before each query.',
  induction: 'Induction head: most of its weight goes to the token that followed an earlier occurrence of the current one, so it can continue a repeated segment.',
  sink: 'Sink head: most of its weight is parked on the first token (an attention sink).',
};

/**
 * A role is given when its statistic is at least ROLE_MIN (half of every query's weight, on
 * average) and at least ROLE_MARGIN times each of the other two role statistics. Half is twice
 * what uniform causal attention gives the previous or first token on an 8-token probe (≈ 0.25)
 * and four times it on 24 tokens (≈ 0.12), so a spread-out head is never named; the margin keeps
 * a head that splits its weight between two patterns (early in training, often) unnamed.
 */
export const ROLE_MIN = 0.5;
export const ROLE_MARGIN = 2;

/** The role whose statistic clearly dominates (see ROLE_MIN, ROLE_MARGIN), or null. A missing statistic counts as 0. */
export function headRole(s: Pick<HeadStats, 'previousToken' | 'induction' | 'sink'> | undefined): HeadRole | null {
  if (!s) return null;
  const roles = Object.keys(ROLE_STAT) as HeadRole[];
  const score = (r: HeadRole) => s[ROLE_STAT[r] as 'previousToken' | 'induction' | 'sink'] ?? 0;
  for (const role of roles) {
    const v = score(role);
    if (v >= ROLE_MIN && roles.every((other) => other === role || v >= ROLE_MARGIN * score(other))) return role;
  }
  return null;
}
