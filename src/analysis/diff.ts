/**
 * The difference of two maps of the same text, cell by cell: B − A. Both are drawn from the same
 * positions (the same T and the same block means), so the difference of the drawn maps is the
 * block mean of the difference of the full maps.
 */

/** A map as the views hold it: [side, side] cells over T tokens. */
export interface CellMap {
  T: number;
  side: number;
  block: number;
  values: Float32Array;
}

/** B − A, with its largest |difference|; null (with why) when the maps do not cover the same positions. */
export function mapDifference(a: CellMap, b: CellMap): { values: Float32Array; maxAbs: number } | { error: string } {
  if (a.T !== b.T || a.side !== b.side || a.block !== b.block) return { error: `the maps cover different positions (A: ${a.T} tokens in ${a.side} cells, B: ${b.T} in ${b.side})` };
  const values = new Float32Array(a.values.length);
  let maxAbs = 0;
  for (let k = 0; k < values.length; k++) {
    const d = b.values[k]! - a.values[k]!;
    values[k] = d;
    if (Math.abs(d) > maxAbs) maxAbs = Math.abs(d);
  }
  return { values, maxAbs };
}
