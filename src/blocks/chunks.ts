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

/** [B, H, T, d] → [B, H, n, C, d], zero-padded at the end of time (B may be 1 for a shared table). */
export function toChunks(ctx: BlockContext, x: Tensor, C: number): Tensor {
  const { b } = ctx;
  const [B, H, T, d] = x.shape as [number, number, number, number];
  const { n, padded } = chunkLayout(T, C);
  const full = padded === T ? x : b.concat([x, b.constant('zeros', 'float32', [B, H, padded - T, d], new Array(B * H * (padded - T) * d).fill(0))], 2); // [B, H, n·C, d]
  return b.reshape(full, [B, H, n, C, d]); // [B, H, n, C, d]
}

/** [B, H, n, C, d] → [B, H, T, d], dropping the padding. */
export function fromChunks(ctx: BlockContext, x: Tensor, T: number): Tensor {
  const { b } = ctx;
  const [B, H, n, C, d] = x.shape as [number, number, number, number, number];
  const flat = b.reshape(x, [B, H, n * C, d]); // [B, H, n·C, d]
  return n * C === T ? flat : b.slice(flat, [2], [0], [T]); // [B, H, T, d]
}
