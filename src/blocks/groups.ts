/**
 * Token groups for the group-structured mixers (Combiner, Block Transformer, TNT, FIT in their
 * 1-D token forms): the sequence cut into contiguous runs of C tokens, group g holding tokens
 * gC … gC + C − 1 (the last group shorter when C does not divide T). Helpers here fold time into
 * groups, pool within groups, and spread group-level weights back over tokens so that a mixer's
 * map can be expanded exactly to T × T in inspect mode. Every index table is built in the graph
 * from index vectors (nothing of size T × T is a constant).
 */
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { chunkLayout, fromChunks, toChunks } from './chunks';
import { allOf, splitHeads } from './nn';

/** Groups of C tokens over T tokens: how many, and the padded length n·C. */
export const groupLayout = chunkLayout;

/**
 * What every group mixer starts from: the group size C = min(block, T), the number of groups n,
 * and the heads [B, H, T, hd] q = rotate(x W_q) / √hd, k = rotate(x W_k), v = x W_v.
 */
export function groupHeads(ctx: BlockContext, x: Tensor, block: number): { C: number; n: number; q: Tensor; k: Tensor; v: Tensor } {
  const { b, T, dModel: d, headDim: hd } = ctx;
  const C = Math.min(block, T);
  const { n } = groupLayout(T, C);
  const q = b.mul(ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'q'))), b.scalar(1 / Math.sqrt(hd)));
  const k = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'k')));
  const v = splitHeads(ctx, ctx.linear(x, d, d, 'v'));
  return { C, n, q, k, v };
}

/** [B, H, T, d] → [B, H, n, C, d], zero-padded at the end of time. */
export const toGroups = toChunks;

/** [B, H, n, C, d] → [B, H, T, d], dropping the padding. */
export const fromGroups = fromChunks;

/** The group index of each of T tokens in groups of C. */
export const groupOf = (T: number, C: number): number[] => Array.from({ length: T }, (_, i) => Math.floor(i / C));

/** Float [1, 1, n, C, 1]: 1 at real tokens, 0 at the padding of the last group. */
export function groupValid(ctx: BlockContext, C: number): Tensor {
  const { n, padded } = groupLayout(ctx.T, C);
  return ctx.b.constant('group_valid', 'float32', [1, 1, n, C, 1], Array.from({ length: padded }, (_, i) => (i < ctx.T ? 1 : 0)));
}

/** Float [1, 1, n, C, 1]: 1 at the last real token of each group, else 0. */
export function groupLast(ctx: BlockContext, C: number): Tensor {
  const { T } = ctx;
  const { n, padded } = groupLayout(T, C);
  const last = (i: number) => i < T && (i === T - 1 || i % C === C - 1);
  return ctx.b.constant('group_last', 'float32', [1, 1, n, C, 1], Array.from({ length: padded }, (_, i) => (last(i) ? 1 : 0)));
}

/** Mean over each group's real tokens: xg [B, H, n, C, d] → [B, H, n, 1, d]. */
export function groupMean(ctx: BlockContext, xg: Tensor, C: number): Tensor {
  const { b } = ctx;
  const valid = groupValid(ctx, C);
  return b.div(b.reduceSum(b.mul(xg, valid), [3], true), b.reduceSum(valid, [3], true));
}

/** Max over each group's real tokens (padding never wins): xg [B, H, n, C, d] → [B, H, n, 1, d]. */
export function groupMax(ctx: BlockContext, xg: Tensor, C: number): Tensor {
  const { b } = ctx;
  return b.reduceMax(b.where(b.greater(groupValid(ctx, C), b.scalar(0.5)), xg, b.scalar(-1e9)), [3], true);
}

/**
 * Softmax attention of one query per group over that group's real keys: qbar [B, H, n, 1, hd]
 * (already scaled) and kg [B, H, n, C, hd] → weights [B, H, n, 1, C], 0 at the padding.
 */
export function groupAttention(ctx: BlockContext, qbar: Tensor, kg: Tensor, C: number): Tensor {
  const { b } = ctx;
  const logits = b.matmul(qbar, b.transpose(kg, [0, 1, 2, 4, 3])); // [B, H, n, 1, C]
  const valid = b.greater(b.transpose(groupValid(ctx, C), [0, 1, 2, 4, 3]), b.scalar(0.5)); // [1, 1, n, 1, C]
  return b.softmax(b.where(valid, logits, b.scalar(-1e9)), -1);
}

/**
 * Group-level weights over each group's own tokens, spread to token columns: w [B, H, n, C] →
 * [B, H, n, T] with row g holding w[g, ·] at columns gC … gC + C − 1 and zeros elsewhere
 * (a block-diagonal placement; n·n·C elements, inspect mode only).
 */
export function spreadGroups(ctx: BlockContext, w: Tensor): Tensor {
  const { b, T } = ctx;
  const [B, H, n, C] = w.shape as [number, number, number, number];
  const idx = Array.from({ length: n }, (_, i) => i);
  const eye = b.cast(b.equal(b.constant('group_row', 'int64', [n, 1, 1], idx), b.constant('group_col', 'int64', [1, n, 1], idx)), 'float32'); // [n, n, 1]
  const placed = b.reshape(b.mul(b.reshape(w, [B, H, n, 1, C]), eye), [B, H, n, n * C]); // [B, H, n, n·C]
  return n * C === T ? placed : b.slice(placed, [3], [0], [T]);
}

/** Float [T, n]: 1 where token i belongs to group g (E_ig), built from index vectors. */
export function membership(ctx: BlockContext, C: number): Tensor {
  const { b, T } = ctx;
  const n = groupLayout(T, C).n;
  const rows = b.constant('token_group', 'int64', [T, 1], groupOf(T, C));
  const cols = b.constant('group_index', 'int64', [1, n], Array.from({ length: n }, (_, g) => g));
  return b.cast(b.equal(rows, cols), 'float32');
}

/** Float [T, 1] and [1, T] group indices of query i and key j, and [1, n] group indices g. */
export function groupIndices(ctx: BlockContext, C: number): { rows: Tensor; cols: Tensor; groups: Tensor } {
  const { b, T } = ctx;
  const n = groupLayout(T, C).n;
  const of = groupOf(T, C);
  return {
    rows: b.constant('query_group', 'float32', [T, 1], of),
    cols: b.constant('key_group', 'float32', [1, T], of),
    groups: b.constant('group_index', 'float32', [1, n], Array.from({ length: n }, (_, g) => g)),
  };
}

/**
 * Bool [T, T]: key j is in query i's group (and j ≤ i when causal): the mask of attention inside
 * groups (inspect mode); with the query-group column `rows` [T, 1] of groupIndices.
 */
export function inGroupMask(ctx: BlockContext, C: number, causal: boolean): { rows: Tensor; inside: Tensor } {
  const { b, T } = ctx;
  const { rows, cols } = groupIndices(ctx, C);
  const idx = Array.from({ length: T }, (_, i) => i);
  const same = b.equal(rows, cols);
  const inside = causal ? allOf(ctx, same, b.greaterOrEqual(b.constant('query_index', 'float32', [T, 1], idx), b.constant('key_index', 'float32', [1, T], idx))) : same;
  return { rows, inside };
}

/** x [B, H, n, …] moved down the group axis by one group: out_g = x_{g−1}, out_0 = 0 (the previous group's value). */
export function previousGroup(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  const n = x.shape[2]!;
  const before = x.shape.map((_, i) => (i === 2 ? 1 : 0));
  const after = x.shape.map(() => 0);
  const padded = b.pad(x, before, after); // [B, H, n + 1, …]
  return b.slice(padded, [2], [0], [n]);
}

/**
 * Attention among groups over their mean-pooled inputs x̄_g (x [B, T, d]): per head,
 * P_{g g'} = softmax_{g'}((x̄_g W_{names[0]})_h · (x̄_{g'} W_{names[1]})_h / √hd), over g' ≤ g when
 * causal → [B, H, n, n]. The coarse map of the Block Transformer's block decoder and TNT's outer attention.
 */
export function groupSummaryMap(ctx: BlockContext, x: Tensor, C: number, names: [string, string], causal: boolean): Tensor {
  const { b, B, T, dModel: d, nHeads: H, headDim: hd } = ctx;
  const { n } = groupLayout(T, C);
  const e = b.reshape(groupMean(ctx, toGroups(ctx, b.reshape(x, [B, 1, T, d]), C), C), [B, n, d]); // x̄_g [B, n, d]
  const heads = (t: Tensor) => b.transpose(b.reshape(t, [B, n, H, hd]), [0, 2, 1, 3]); // [B, H, n, hd]
  const qs = heads(ctx.linear(e, d, d, names[0]));
  const ks = heads(ctx.linear(e, d, d, names[1]));
  const logits = b.mul(b.matmul(qs, b.transpose(ks, [0, 1, 3, 2])), b.scalar(1 / Math.sqrt(hd))); // [B, H, n, n]
  if (!causal) return b.softmax(logits, -1);
  const idx = Array.from({ length: n }, (_, g) => g);
  const earlier = b.greaterOrEqual(b.constant('group_row', 'int64', [n, 1], idx), b.constant('group_col', 'int64', [1, n], idx));
  return b.softmax(b.where(earlier, logits, b.scalar(-1e9)), -1);
}
