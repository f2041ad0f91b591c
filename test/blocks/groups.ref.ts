/**
 * References of the group-structured mixers, written from the papers' formulas with plain loops
 * (one head, one query at a time), sharing nothing with src/blocks/groups.ts:
 * - Combiner-Fixed (Ren et al., 2021) / CCA core-context attention (Chen et al., 2024).
 * - Block Transformer (Ho et al., 2024) as one mixer: coarse causal attention over mean-pooled
 *   group embeddings, local attention with the previous groups' context as a prefix.
 * - TNT (Han et al., 2021) in 1-D: inner attention within groups, outer attention over groups.
 * - FIT (Chen & Li, 2023) in 1-D: local groups, latents that read them, global attention over latents.
 * Groups are contiguous runs of C = min(block, T) tokens from position 0.
 */
import { multiHead, type RefContext, type References } from '../reference/context';
import { columns, mat, mixRow, softmax, type Mat } from '../reference/math';

type P = Record<string, unknown>;

const dot = (a: Mat, i: number, b: Mat, j: number) => {
  let s = 0;
  for (let c = 0; c < a.cols; c++) s += a.v[i * a.cols + c]! * b.v[j * b.cols + c]!;
  return s;
};

/** The tokens of group g among T. */
const members = (g: number, C: number, T: number) => Array.from({ length: Math.min(C, T - g * C) }, (_, u) => g * C + u);

/** A pooled row of `m` over the tokens `js`: mean or max per channel. */
function pool(m: Mat, js: number[], how: 'mean' | 'max'): Float64Array {
  const out = new Float64Array(m.cols);
  for (let c = 0; c < m.cols; c++) {
    const vals = js.map((j) => m.v[j * m.cols + c]!);
    out[c] = how === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
  }
  return out;
}

const dotRow = (a: Mat, i: number, row: Float64Array) => row.reduce((s, r, c) => s + r * a.v[i * a.cols + c]!, 0);

/** The group means of the rows of x [T, d] → [⌈T/C⌉, d]. */
function groupMeans(x: Mat, C: number): Mat {
  const nG = Math.ceil(x.rows / C);
  const out = mat(nG, x.cols);
  for (let g = 0; g < nG; g++) out.v.set(pool(x, members(g, C, x.rows), 'mean'), g * x.cols);
  return out;
}

/**
 * Attention between groups, per head h: P[g][g'] = softmax over g' of (x̄_g W_a)·(x̄_g' W_b)/√hd
 * (g' ≤ g when causal), x̄ the group means of the inputs, W_a, W_b the weights named `names`.
 */
function groupLevelMaps(ctx: RefContext, x: Mat, C: number, names: [string, string], causal: boolean): (h: number) => number[][] {
  const { headDim: hd, dModel: d } = ctx;
  const xbar = groupMeans(x, C);
  const [qa, kb] = names.map((name) => ctx.linear(xbar, d, name)) as [Mat, Mat];
  const nG = xbar.rows;
  return (h) => {
    const qh = columns(qa, h * hd, hd);
    const kh = columns(kb, h * hd, hd);
    return Array.from({ length: nG }, (_, g) => softmax(Array.from({ length: nG }, (_, g2) => (!causal || g2 <= g ? dot(qh, g, kh, g2) / Math.sqrt(hd) : -Infinity))));
  };
}

/** Softmax attention inside groups, rows A[i][j] over q·k/√hd for j in i's group (j ≤ i when causal). */
function groupSoftmax(qh: Mat, kh: Mat, grp: (i: number) => number, causal: boolean): number[][] {
  const T = qh.rows;
  const hd = qh.cols;
  return Array.from({ length: T }, (_, i) => softmax(Array.from({ length: T }, (_, j) => (grp(j) === grp(i) && (!causal || j <= i) ? dot(qh, i, kh, j) / Math.sqrt(hd) : -Infinity))));
}

/** Combiner-Fixed / CCA: one softmax over direct keys and summaries of the other (earlier) groups. */
export function combiner(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, headDim: hd } = ctx;
  const C = Math.min(p['block'] as number, T);
  const window = p['window'] as number;
  const summary = p['summary'] as 'mean' | 'max' | 'core';
  const causal = p['causal'] !== false;
  const nG = Math.ceil(T / C);
  const grp = (i: number) => Math.floor(i / C);
  return multiHead(ctx, x, (h, qRaw, kRaw, vh, probs) => {
    const qh = ctx.position.rotate(qRaw);
    qh.v.forEach((val, idx) => (qh.v[idx] = val / Math.sqrt(hd)));
    const kh = ctx.position.rotate(kRaw);
    // Summaries: weights w[g][u] over the group's tokens, key kbar[g].
    const w: number[][] = [];
    const kbar: Float64Array[] = [];
    for (let g = 0; g < nG; g++) {
      const js = members(g, C, T);
      const qbar = summary === 'core' ? qh.v.slice(js[js.length - 1]! * hd, (js[js.length - 1]! + 1) * hd) : pool(qh, js, summary);
      w[g] = softmax(js.map((j) => dotRow(kh, j, qbar)));
      kbar[g] = summary === 'core' ? Float64Array.from({ length: hd }, (_, c) => js.reduce((s, j, u) => s + w[g]![u]! * kh.v[j * hd + c]!, 0)) : pool(kh, js, summary);
    }
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const gi = grp(i);
      const direct = (j: number) => (causal ? j <= i && gi - grp(j) <= window : Math.abs(gi - grp(j)) <= window);
      const summarised = (g: number) => (causal ? g < gi - window : Math.abs(g - gi) > window);
      const logits = [
        ...Array.from({ length: T }, (_, j) => (direct(j) ? dot(qh, i, kh, j) : -Infinity)),
        ...Array.from({ length: nG }, (_, g) => (summarised(g) ? dotRow(qh, i, kbar[g]!) : -Infinity)),
      ];
      const a = softmax(logits);
      const row = new Float64Array(T);
      for (let j = 0; j < T; j++) row[j] = a[j]!;
      for (let g = 0; g < nG; g++) members(g, C, T).forEach((j, u) => (row[j]! += a[T + g]! * w[g]![u]!));
      mixRow(probs, h, i, row, vh, out);
    }
    return out;
  });
}

/**
 * Block Transformer as one mixer: e_g = mean of the group's inputs; coarse causal attention over
 * groups with queries e W_qc, keys e W_kc (per head, /√hd); the prefix of group g ≥ 1 carries
 * key Σ_{g'} P^c[g−1][g'] k̄_{g'} and value Σ P^c[g−1][g'] v̄_{g'} (group means of token keys and
 * values); token i attends to its group's tokens j ≤ i and the prefix in one softmax.
 */
export function blockTransformer(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, headDim: hd } = ctx;
  const C = Math.min(p['block'] as number, T);
  const nG = Math.ceil(T / C);
  const grp = (i: number) => Math.floor(i / C);
  const coarseOf = groupLevelMaps(ctx, x, C, ['qc', 'kc'], true);
  return multiHead(ctx, x, (h, qRaw, kRaw, vh, probs) => {
    const qh = ctx.position.rotate(qRaw);
    const kh = ctx.position.rotate(kRaw);
    const coarse = coarseOf(h);
    const kbar = Array.from({ length: nG }, (_, g) => pool(kh, members(g, C, T), 'mean'));
    const vbar = Array.from({ length: nG }, (_, g) => pool(vh, members(g, C, T), 'mean'));
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const gi = grp(i);
      const kp = new Float64Array(hd);
      const vp = new Float64Array(hd);
      if (gi >= 1)
        for (let g2 = 0; g2 < nG; g2++)
          for (let c = 0; c < hd; c++) {
            kp[c]! += coarse[gi - 1]![g2]! * kbar[g2]![c]!;
            vp[c]! += coarse[gi - 1]![g2]! * vbar[g2]![c]!;
          }
      const logits = [
        ...Array.from({ length: T }, (_, j) => (grp(j) === gi && j <= i ? dot(qh, i, kh, j) / Math.sqrt(hd) : -Infinity)),
        gi >= 1 ? dotRow(qh, i, kp) / Math.sqrt(hd) : -Infinity,
      ];
      const a = softmax(logits);
      const row = new Float64Array(T);
      for (let j = 0; j < T; j++) row[j] = a[j]! + (gi >= 1 && grp(j) < gi ? (a[T]! * coarse[gi - 1]![grp(j)]!) / members(grp(j), C, T).length : 0);
      row.forEach((wt, j) => (probs[(h * T + i) * T + j] = wt));
      for (let j = 0; j < T; j++) for (let c = 0; c < hd; c++) out.v[i * hd + c]! += a[j]! * vh.v[j * hd + c]!;
      for (let c = 0; c < hd; c++) out.v[i * hd + c]! += a[T]! * vp[c]!;
    }
    return out;
  });
}

/**
 * TNT in 1-D: inner softmax attention within each group (causal inside it when causal); sentence
 * value s_g = mean over the group of (v_j + u_j); outer attention over groups with queries
 * x̄ W_qo, keys x̄ W_ko (x̄ the group mean of the inputs; groups g' ≤ g when causal); each token adds
 * the outer result of its own group (bidirectional) or of the previous group (causal).
 */
export function tnt(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, headDim: hd } = ctx;
  const C = Math.min(p['block'] as number, T);
  const causal = p['causal'] !== false;
  const nG = Math.ceil(T / C);
  const grp = (i: number) => Math.floor(i / C);
  const outerOf = groupLevelMaps(ctx, x, C, ['qo', 'ko'], causal);
  return multiHead(ctx, x, (h, qRaw, kRaw, vh, probs) => {
    const qh = ctx.position.rotate(qRaw);
    const kh = ctx.position.rotate(kRaw);
    // Inner map (T × T, zero outside the group) and u = A_in v.
    const inner = groupSoftmax(qh, kh, grp, causal);
    const outer = outerOf(h);
    // Sentence weights over tokens: s_g = Σ_j S[g][j] v_j with S = M (I + A_in).
    const S = Array.from({ length: nG }, (_, g) => {
      const row = new Float64Array(T);
      const js = members(g, C, T);
      for (const j of js) {
        row[j]! += 1 / js.length;
        for (let m = 0; m < T; m++) row[m]! += inner[j]![m]! / js.length;
      }
      return row;
    });
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const row = Float64Array.from(inner[i]!);
      const go = causal ? grp(i) - 1 : grp(i); // the group whose outer result token i reads
      if (go >= 0) for (let g2 = 0; g2 < nG; g2++) for (let j = 0; j < T; j++) row[j]! += outer[go]![g2]! * S[g2]![j]!;
      mixRow(probs, h, i, row, vh, out);
    }
    return out;
  });
}

/**
 * FIT in 1-D: local softmax attention inside groups; m latents per group read their group's
 * tokens after the local layer (v + u) with learned queries ℓ_r over the token keys; global
 * attention over all latents (groups ≤ g when causal) with per-head projections W_gq, W_gk; the
 * latents shifted one group later when causal (group 0 gets zeros); each token adds the softmax
 * mix (over r, keys G'_r W_wk) of its group's shifted latents.
 */
export function fit(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, headDim: hd } = ctx;
  const C = Math.min(p['block'] as number, T);
  const m = p['latents'] as number;
  const causal = p['causal'] !== false;
  const nG = Math.ceil(T / C);
  const grp = (i: number) => Math.floor(i / C);
  const ell = ctx.weight('latents'); // [1, H, m, hd]
  const wgq = ctx.weight('wgq'); // [1, H, hd, hd]
  const wgk = ctx.weight('wgk');
  const wwk = ctx.weight('wwk');
  /** row · W_h for a per-head [hd, hd] matrix. */
  const times = (row: Float64Array, W: Float64Array, h: number) => Float64Array.from({ length: hd }, (_, c) => row.reduce((s, r, c2) => s + r * W[(h * hd + c2) * hd + c]!, 0));
  const dotv = (a: Float64Array, b2: Float64Array) => a.reduce((s, r, c) => s + r * b2[c]!, 0);
  return multiHead(ctx, x, (h, qRaw, kRaw, vh, probs) => {
    const qh = ctx.position.rotate(qRaw);
    const kh = ctx.position.rotate(kRaw);
    const local = groupSoftmax(qh, kh, grp, causal);
    // Latent maps over tokens: latent a = (g, r) = Σ_j lat[a][j] v_j.
    const lat: Float64Array[] = [];
    for (let g = 0; g < nG; g++)
      for (let r = 0; r < m; r++) {
        const js = members(g, C, T);
        const lr = ell.slice((h * m + r) * hd, (h * m + r + 1) * hd);
        const rho = softmax(js.map((j) => dotv(lr, vrowOf(kh, j)) / Math.sqrt(hd)));
        const row = new Float64Array(T);
        js.forEach((j, u) => {
          row[j]! += rho[u]!;
          for (let t = 0; t < T; t++) row[t]! += rho[u]! * local[j]![t]!;
        });
        lat.push(row);
      }
    const value = (row: Float64Array) => Float64Array.from({ length: hd }, (_, c) => row.reduce((s, a, j) => s + a * vh.v[j * hd + c]!, 0));
    const Lv = lat.map(value);
    const nm = nG * m;
    const glob = Array.from({ length: nm }, (_, a) => {
      const qa = times(Lv[a]!, wgq, h);
      return softmax(Array.from({ length: nm }, (_, b2) => (!causal || Math.floor(b2 / m) <= Math.floor(a / m) ? dotv(qa, times(Lv[b2]!, wgk, h)) / Math.sqrt(hd) : -Infinity)));
    });
    const G = glob.map((pa) => {
      const row = new Float64Array(T);
      pa.forEach((wt, b2) => lat[b2]!.forEach((val, t) => (row[t]! += wt * val)));
      return row;
    });
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const go = causal ? grp(i) - 1 : grp(i); // whose latents token i reads
      const rowsG = Array.from({ length: m }, (_, r) => (go >= 0 ? G[go * m + r]! : new Float64Array(T)));
      const qi = Float64Array.from(vrowOf(qh, i), (val) => val / Math.sqrt(hd));
      const omega = softmax(rowsG.map((row) => dotv(qi, times(value(row), wwk, h))));
      const row = Float64Array.from(local[i]!);
      rowsG.forEach((gr, r) => gr.forEach((val, t) => (row[t]! += omega[r]! * val)));
      mixRow(probs, h, i, row, vh, out);
    }
    return out;
  });
}

const vrowOf = (m: Mat, i: number) => m.v.slice(i * m.cols, (i + 1) * m.cols);

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { combiner, block_transformer: blockTransformer, tnt, fit } };
