/**
 * Reading a tapped attention output (tap.ts) of an opened model into per-head maps: batch
 * element 0 of [B, H, Tq, Tk], or of [B·H, Tq, Tk] (H from the site when the graph fixes it, else
 * the batch is taken as 1, as the page feeds one text), or one head of [Tq, Tk].
 */
import { OpenError } from './types';

/** The maps [H, Tq, Tk] (flattened) of batch element 0 of a tapped probabilities tensor. */
export function probeMaps(dims: readonly number[], data: Float32Array, heads: number | null = null): { heads: number; Tq: number; Tk: number; maps: Float32Array } {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new OpenError(`The attention probabilities hold ${data.length} values, not the ${n} of their shape [${dims.join(', ')}].`);
  let H: number;
  if (dims.length === 4) H = dims[1]!;
  else if (dims.length === 3) {
    H = heads ?? dims[0]!;
    if (H <= 0 || dims[0]! % H !== 0) throw new OpenError(`The attention probabilities are [${dims.join(', ')}], whose first dim is not a multiple of the ${H} heads.`);
  } else if (dims.length === 2) H = 1;
  else throw new OpenError(`The attention probabilities are [${dims.join(', ')}]; the page draws [B, H, Tq, Tk], [B·H, Tq, Tk] or [Tq, Tk].`);
  const Tq = dims[dims.length - 2]!;
  const Tk = dims[dims.length - 1]!;
  return { heads: H, Tq, Tk, maps: data.slice(0, H * Tq * Tk) };
}
