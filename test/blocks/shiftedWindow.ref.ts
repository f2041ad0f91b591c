/**
 * Swin's shifted-window attention in 1-D, float64 reference written from the paper: windows of w
 * tokens; on odd layer runs (when shifting, and T > w) the grid moves by s = ⌊w/2⌋, giving the
 * windows [0, s), [s, s + w), [s + w, s + 2w), …; softmax over the keys of the query's window
 * (j ≤ i when causal) of q·k/√d plus the learned bias B[(i − j) + w − 1, h].
 */
import { multiHead, type RefContext, type References } from '../reference/context';
import { mat, mixRow, softmax, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export function shiftedWindow(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd } = ctx;
  const w = p['window'] as number;
  const causal = p['causal'] !== false;
  const s = Math.floor(w / 2);
  const shifted = p['shift'] !== false && ctx.layer % 2 === 1 && T > w && s > 0;
  // Window number of token i: the first window of a shifted grid holds only tokens 0 … s − 1.
  const windowOf = (i: number) => (!shifted ? Math.floor(i / w) : i < s ? 0 : 1 + Math.floor((i - s) / w));
  const table = p['relativeBias'] !== false ? ctx.weight('relative_bias') : null; // [2w − 1, H]
  return multiHead(ctx, x, (h, qRaw, kRaw, vh, probs) => {
    const qh = ctx.position.rotate(qRaw);
    const kh = ctx.position.rotate(kRaw);
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const logits = Array.from({ length: T }, (_, j) => {
        if (windowOf(i) !== windowOf(j) || (causal && j > i)) return -Infinity;
        let dot = 0;
        for (let e = 0; e < hd; e++) dot += qh.v[i * hd + e]! * kh.v[j * hd + e]!;
        return dot / Math.sqrt(hd) + (table ? table[(i - j + w - 1) * H + h]! : 0);
      });
      mixRow(probs, h, i, softmax(logits), vh, out);
    }
    return out;
  });
}

export const references: References = { mixer: { shifted_window: shiftedWindow } };
