/**
 * The size of the residual stream through the model: the RMS of each position's residual vector
 * after the embeddings and after each layer run, summarised over positions.
 */

/** RMS over positions at one depth: the mean, and the smallest and largest position. */
export interface ResidualStat {
  mean: number;
  min: number;
  max: number;
}

/**
 * One summary per depth (row 0: after the embeddings, row r + 1: after layer run r).
 * @param residRms [depths, T] row-major RMS of the residual stream
 * @param T positions per row
 */
export function residualSummary(residRms: ArrayLike<number>, T: number): ResidualStat[] {
  if (T <= 0) return [];
  const depths = Math.floor(residRms.length / T);
  return Array.from({ length: depths }, (_, r) => {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < T; i++) {
      const v = residRms[r * T + i]!;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return { mean: sum / T, min, max };
  });
}
