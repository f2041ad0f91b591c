/**
 * Finding the attention of an opened ONNX graph: every Softmax over the last axis whose input
 * comes (through scaling, masking, bias adds and reshapes) from a MatMul of two activations —
 * the scores q·kᵀ — and whose output (through casts, dropout and reshapes) is one factor of a
 * MatMul with another activation — the values. A Softmax over a projection (a classifier's
 * MatMul with a weight) is not attention. Fused attention nodes (onnxruntime's com.microsoft
 * Attention and its kin, ONNX's own Attention of opset 23) keep their probabilities inside the
 * kernel: they are listed, not tapped.
 */
import type { AttentionSite, FusedSite } from './types';
import { attrInt, indexGraph, nodeName, tensorInts, type GraphIndex, type P } from './onnxGraph';

/** Ops between the scores MatMul and the Softmax: scale, mask, bias, soft-capping, reshapes. Index: which inputs carry the scores. */
const BACK: Record<string, number[]> = {
  Mul: [0, 1], Div: [0], Add: [0, 1], Sub: [0, 1], Where: [1, 2], Cast: [0], Reshape: [0], Identity: [0],
  Squeeze: [0], Unsqueeze: [0], Clip: [0], Max: [0, 1], Min: [0, 1], Tanh: [0],
};
/** Ops between the Softmax and the values MatMul. */
const FORWARD = new Set(['Cast', 'Dropout', 'Identity', 'Reshape', 'Where']);
/** Products of two tensors: ONNX's, and onnxruntime's FusedMatMul (a MatMul with transposes and a scale, which its optimizer writes for q·kᵀ/√d). */
const MATMUL = new Set(['MatMul', 'Einsum', 'FusedMatMul']);
const DEPTH = 8;

/** com.microsoft fused attention kernels (onnxruntime/contrib_ops). */
const FUSED_MS = new Set(['Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'DecoderMaskedMultiHeadAttention', 'DecoderMaskedSelfAttention', 'SparseAttention', 'LongformerAttention', 'DecoderAttention', 'QAttention', 'QOrderedAttention', 'PagedAttention']);

export function fusedWhy(opType: string): string {
  return `Its attention probabilities stay inside the fused ${opType} kernel; re-export the model without the fusion (torch.onnx.export without onnxruntime's transformer optimizer, or optimize_model with opt_level 0 / attention fusion disabled) to see them.`;
}

/** The default domain's opset of a model's opset_import (1 when absent, as ONNX reads it). */
export function defaultOpset(opsetImport: P.IOperatorSetIdProto[] | null | undefined): number {
  const entry = (opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 1;
}

/** Whether a Softmax normalises over its input's last axis (opset < 13 defaults to axis 1, later to −1). */
function overLastAxis(n: P.INodeProto, idx: GraphIndex, opset: number): boolean {
  const axis = attrInt(n, 'axis') ?? (opset < 13 ? 1 : -1);
  if (axis === -1) return true;
  const rank = (idx.shapes.get(n.input?.[0] ?? '') ?? idx.shapes.get(n.output?.[0] ?? ''))?.length;
  return rank !== undefined && axis === rank - 1;
}

const activation = (idx: GraphIndex, name: string | null | undefined): boolean => !!name && !idx.constantDerived.has(name);

/** The scores MatMul behind a Softmax input: breadth-first through BACK ops, nearest first; null when a weight MatMul or anything else comes first. */
function scoresOf(idx: GraphIndex, input: string): number | null {
  let frontier = [input];
  const seen = new Set<string>();
  for (let depth = 0; depth < DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      if (seen.has(t) || !activation(idx, t)) continue;
      seen.add(t);
      const p = idx.producer.get(t);
      if (p === undefined) continue;
      const n = idx.nodes[p]!;
      const op = n.opType ?? '';
      if (MATMUL.has(op)) {
        const ins = (n.input ?? []).filter(Boolean);
        if (ins.length >= 2 && ins.every((x) => activation(idx, x))) return p;
        continue;
      }
      for (const k of BACK[op] ?? []) if (n.input?.[k]) next.push(n.input[k]!);
    }
    frontier = next;
  }
  return null;
}

/** The MatMul that weights the values by a Softmax output, through FORWARD ops; null when none. */
function valuesOf(idx: GraphIndex, output: string): number | null {
  let frontier = [output];
  for (let depth = 0; depth < DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      for (const c of idx.consumers.get(t) ?? []) {
        const n = idx.nodes[c]!;
        const op = n.opType ?? '';
        if (MATMUL.has(op)) {
          const others = (n.input ?? []).filter((x) => x && x !== t);
          if (others.length > 0 && others.every((x) => activation(idx, x))) return c;
        } else if (FORWARD.has(op) && !(op === 'Where' && n.input?.[0] === t)) {
          next.push(...(n.output ?? []).slice(0, 1).filter(Boolean));
        }
      }
    }
    frontier = next;
  }
  return null;
}

/** One entry of a Reshape's target shape: a constant, a dynamic size times a constant (torch's B·H), or dynamic. */
type Entry = { value: number } | { times: number } | null;

/** The entries of a Reshape's target shape: a constant tensor, or (torch's dynamic exports) a Concat of one-element pieces. */
function shapeEntries(idx: GraphIndex, shape: string): Entry[] | null {
  const c = idx.constants.get(shape);
  if (c) return tensorInts(c)?.map((value) => ({ value })) ?? null;
  const p = idx.producer.get(shape);
  const concat = p === undefined ? undefined : idx.nodes[p];
  if (concat?.opType !== 'Concat') return null;
  return (concat.input ?? []).map((piece): Entry => {
    let t = piece;
    for (let depth = 0; depth < 4; depth++) {
      const k = idx.constants.get(t);
      if (k) {
        const v = tensorInts(k);
        return v?.length === 1 ? { value: v[0]! } : null;
      }
      const q = idx.producer.get(t);
      const n = q === undefined ? undefined : idx.nodes[q];
      if (!n) return null;
      if (n.opType === 'Mul') {
        const factor = (n.input ?? []).map((x) => (idx.constants.get(x) ? tensorInts(idx.constants.get(x)!) : null)).find((v) => v?.length === 1);
        return factor ? { times: factor[0]! } : null;
      }
      if (!['Unsqueeze', 'Cast', 'Squeeze', 'Identity'].includes(n.opType ?? '')) return null;
      t = n.input?.[0] ?? '';
    }
    return null;
  });
}

/**
 * Heads of a site: the head dim of the probabilities' shape (rank 4 [B, H, Tq, Tk]) when fixed;
 * else a Reshape behind either input of the scores MatMul (through Transpose and Reshape) whose
 * target is [B, T, H, dh] with H constant (H = its third entry), or torch's [T, B·H, dh] with the
 * batch times a constant H. Null when none of these tells.
 */
function headsOf(idx: GraphIndex, softmaxOut: string, scores: P.INodeProto): number | null {
  const dims = idx.shapes.get(softmaxOut);
  if (dims?.length === 4 && typeof dims[1] === 'number') return dims[1];
  for (const start of scores.input ?? []) {
    let t = start;
    for (let depth = 0; depth < DEPTH && t; depth++) {
      const p = idx.producer.get(t);
      if (p === undefined) break;
      const n = idx.nodes[p]!;
      if (n.opType === 'Reshape') {
        const e = n.input?.[1] ? shapeEntries(idx, n.input[1]) : null;
        const third = e?.length === 4 ? e[2] : null;
        if (third && 'value' in third && third.value > 0) return third.value;
        const times = e?.length === 3 ? e.find((x): x is { times: number } => !!x && 'times' in x) : undefined;
        if (times && times.times > 0) return times.times;
      } else if (n.opType !== 'Transpose') break;
      t = n.input?.[0] ?? '';
    }
  }
  return null;
}

/** The attention sites of a graph, in its (topological) order, and its fused attention nodes. */
export function findAttention(graph: P.IGraphProto, opset = 17): { sites: AttentionSite[]; fused: FusedSite[] } {
  const idx = indexGraph(graph);
  const sites: AttentionSite[] = [];
  const fused: FusedSite[] = [];
  idx.nodes.forEach((n, i) => {
    const domain = n.domain ?? '';
    const op = n.opType ?? '';
    if ((domain === 'com.microsoft' && FUSED_MS.has(op)) || ((domain === '' || domain === 'ai.onnx') && op === 'Attention')) {
      fused.push({ node: nodeName(n, i), opType: op, domain, why: fusedWhy(op) });
      return;
    }
    if (op !== 'Softmax' || (domain !== '' && domain !== 'ai.onnx') || !n.input?.[0] || !n.output?.[0]) return;
    if (!overLastAxis(n, idx, opset)) return;
    const s = scoresOf(idx, n.input[0]);
    const v = s === null ? null : valuesOf(idx, n.output[0]);
    if (s === null || v === null) return;
    const scores = idx.nodes[s]!;
    sites.push({
      layer: sites.length,
      softmax: nodeName(n, i),
      output: n.output[0],
      scores: nodeName(scores, s),
      values: nodeName(idx.nodes[v]!, v),
      heads: headsOf(idx, n.output[0], scores),
    });
  });
  return { sites, fused };
}
