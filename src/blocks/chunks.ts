/**
 * Chunked sequences for the linear-time forms of attention-free mixers: pad the time axis to a
 * multiple of the chunk size C, fold it into [n, C], and unfold and cut the padding after.
 * Padding goes at the end, so in causal mixers it never reaches a real token.
 */
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';

/** Chunks and padded length for T tokens in chunks of C. */
export function chunkLayout(T: number, C: number): { n: number; padded: number } {
  const n = Math.ceil(T / C);
  return { n, padded: n * C };
}

/** [1, H, T, d] → [1, H, n, C, d], zero-padded at the end of time. */
export function toChunks(ctx: BlockContext, x: Tensor, C: number): Tensor {
  const { b } = ctx;
  const [, H, T, d] = x.shape as [number, number, number, number];
  const { n, padded } = chunkLayout(T, C);
  const full = padded === T ? x : b.concat([x, b.constant('zeros', 'float32', [1, H, padded - T, d], new Array(H * (padded - T) * d).fill(0))], 2); // [1, H, n·C, d]
  return b.reshape(full, [1, H, n, C, d]); // [1, H, n, C, d]
}

/** [1, H, n, C, d] → [1, H, T, d], dropping the padding. */
export function fromChunks(ctx: BlockContext, x: Tensor, T: number): Tensor {
  const { b } = ctx;
  const [, H, n, C, d] = x.shape as [number, number, number, number, number];
  const flat = b.reshape(x, [1, H, n * C, d]); // [1, H, n·C, d]
  return n * C === T ? flat : b.slice(flat, [2], [0], [T]); // [1, H, T, d]
}
