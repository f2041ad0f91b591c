/**
 * The wiring diagram against the layer formulas (blocks/residual.ts, sequential.ts, parallel.ts,
 * ladder.ts) and against what the compiler really builds: every norm box of the diagram is one
 * norm the compiler gives weights to, and no other.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { LayerSpec, NormPlacement } from '../../src/spec/types';
import { PLACEMENTS as PLACEMENTS_TABLE } from '../../src/spec/catalog';
import { copiedFromLayers } from '../../src/spec/mapSharing';
import { layerWiring, type Wiring } from '../../src/spec/wiring';
import { Wiring as WiringView } from '../../src/ui/editor/Wiring';

const PLACEMENTS = Object.keys(PLACEMENTS_TABLE) as NormPlacement[];
const TOPOLOGIES = ['sequential', 'parallel', 'ladder'] as const;
const FFNS = ['mlp', 'none'] as const;
const NORMS = ['layer_norm', 'rms_norm', 'none'] as const;
type Topology = (typeof TOPOLOGIES)[number];

function layerOf(placement: NormPlacement, topology: string, ffn: string, norm: string): LayerSpec {
  const base = defaultLayer();
  return {
    ...base,
    placement,
    topology: { kind: topology, params: {} },
    ffn: ffn === 'mlp' ? base.ffn : { kind: ffn, params: {} },
    norm: norm === 'layer_norm' ? base.norm : { kind: norm, params: norm === 'rms_norm' ? { epsilon: 1e-6 } : {} },
  };
}

const CASES = PLACEMENTS.flatMap((placement) =>
  TOPOLOGIES.flatMap((topology) => FFNS.flatMap((ffn) => NORMS.map((norm) => ({ placement, topology, ffn, norm })))),
);
const name = (c: (typeof CASES)[number]) => `${c.placement} · ${c.topology} · ffn ${c.ffn} · norm ${c.norm}`;

/**
 * What the formulas say, written out per case:
 *   pre  base + F(N(input)),  post N(base + F(input)),  peri base + N_out(F(N_in(input)));
 *   sequential h = x ⊕ Mixer(x), x' = h ⊕ FFN(h);  ladder h = x ⊕ Mixer(x₋), x' = h ⊕ FFN(x);
 *   parallel x' = x + Mixer(…x) + FFN(…x), post: one norm N_m after the joint sum.
 * `stream`: the ids along the residual stream in order; per module, which stream point its branch
 * reads (`from`), the boxes on the branch in order (`chain`), and the add it feeds (`to`, together
 * with `base`, the stream point the result is added to).
 */
function expected(placement: NormPlacement, topology: Topology, ffn: boolean, norm: boolean) {
  const modules = ffn ? ['mixer', 'ffn'] : ['mixer'];
  const chain = (m: string) => (!norm ? [m] : placement === 'pre' ? [`norm_${m}`, m] : placement === 'peri' ? [`norm_${m}`, m, `norm_${m}_out`] : [m]);
  const branches: Record<string, { from: string; chain: string[]; to: string; base: string }> = {};
  if (topology === 'parallel') {
    for (const m of modules) branches[m] = { from: 'in', chain: chain(m), to: 'add', base: 'in' };
    return { stream: ['in', 'add', ...(norm && placement === 'post' ? ['norm_mixer'] : []), 'out'], branches };
  }
  const stream = topology === 'ladder' ? ['prev', 'in'] : ['in'];
  const values = [...stream]; // the stream's value after each module, oldest first
  for (const m of modules) {
    const base = values[values.length - 1]!;
    const from = topology === 'ladder' ? values[values.length - 2]! : base;
    branches[m] = { from, chain: chain(m), to: `add_${m}`, base };
    stream.push(`add_${m}`);
    if (norm && placement === 'post') stream.push(`norm_${m}`);
    values.push(stream[stream.length - 1]!);
  }
  return { stream: [...stream, 'out'], branches };
}

/** The residual stream as the diagram draws it: residual edges followed from the first stream end. */
function streamOf(w: Wiring): string[] {
  const ids = [w.nodes.find((n) => n.kind === 'stream-in' && !w.edges.some((e) => e.to === n.id && e.kind === 'residual'))!.id];
  for (;;) {
    const next = w.edges.filter((e) => e.kind === 'residual' && e.from === ids[ids.length - 1]);
    if (next.length === 0) return ids;
    expect(next).toHaveLength(1);
    ids.push(next[0]!.to);
  }
}

/** A module's branch as drawn: walk back from the module box to the stream, forward to the add. */
function branchOf(w: Wiring, module: string) {
  const byId = new Map(w.nodes.map((n) => [n.id, n]));
  const onStream = (id: string) => byId.get(id)!.row === 0;
  const single = (edges: typeof w.edges) => {
    expect(edges).toHaveLength(1);
    return edges[0]!;
  };
  const chain = [module];
  let from = single(w.edges.filter((e) => e.kind === 'branch' && e.to === module)).from;
  while (!onStream(from)) {
    chain.unshift(from);
    from = single(w.edges.filter((e) => e.kind === 'branch' && e.to === from)).from;
  }
  let to = single(w.edges.filter((e) => e.kind === 'branch' && e.from === module)).to;
  while (!onStream(to)) {
    chain.push(to);
    to = single(w.edges.filter((e) => e.kind === 'branch' && e.from === to)).to;
  }
  return { from, chain, to };
}

/** The norms the compiler gives weights to in a 1-layer model ("norm_mixer", "norm_ffn_out", …). */
function compiledNorms(layer: LayerSpec): string[] {
  const graph = compile({ ...defaultSpec(), dModel: 16, nHeads: 2, maxLen: 8, layers: [layer] }, { T: 4, mode: 'fast' });
  const names = new Set<string>();
  for (const init of graph.initializers) {
    const m = /^layers\.0\.(norm[a-z_]*)\./.exec(init.tensor.name);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

describe('layerWiring', () => {
  it.each(CASES)('$placement · $topology · ffn $ffn · norm $norm: stream, branches and norms follow the formulas', (c) => {
    const w = layerWiring(layerOf(c.placement, c.topology, c.ffn, c.norm));
    const want = expected(c.placement, c.topology, c.ffn === 'mlp', c.norm !== 'none');
    const what = name(c);

    expect(w.placement).toBe(c.placement);
    expect(w.topology).toBe(c.topology);
    expect(w.hasFfn, what).toBe(c.ffn === 'mlp');
    expect(w.norm, what).toBe({ layer_norm: 'LN', rms_norm: 'RMS', none: null }[c.norm]);

    // Ids are unique, every edge joins two nodes, and no two nodes share a grid cell.
    const ids = w.nodes.map((n) => n.id);
    expect(new Set(ids).size, what).toBe(ids.length);
    for (const e of w.edges) expect(ids, `${what}: edge ${e.from} → ${e.to}`).toEqual(expect.arrayContaining([e.from, e.to]));
    expect(new Set(w.nodes.map((n) => `${n.col},${n.row}`)).size, what).toBe(w.nodes.length);
    expect(w.columns).toBe(Math.max(...w.nodes.map((n) => n.col)) + 1);
    expect(w.rows).toBe(Math.max(...w.nodes.map((n) => n.row)) + 1);

    // The residual stream, left to right along row 0.
    const stream = streamOf(w);
    expect(stream, what).toEqual(want.stream);
    const byId = new Map(w.nodes.map((n) => [n.id, n]));
    stream.forEach((id, i) => {
      expect(byId.get(id)!.row, `${what}: ${id} on the stream`).toBe(0);
      if (i) expect(byId.get(id)!.col, `${what}: ${id} right of ${stream[i - 1]}`).toBeGreaterThan(byId.get(stream[i - 1]!)!.col);
    });
    expect(w.nodes.filter((n) => n.row === 0).map((n) => n.id).sort(), `${what}: only the stream on row 0`).toEqual([...stream].sort());

    // Each module's branch: where it leaves the stream, its boxes in order, the add it feeds.
    expect(w.nodes.filter((n) => n.kind === 'mixer' || n.kind === 'ffn').map((n) => n.id).sort()).toEqual(Object.keys(want.branches).sort());
    for (const [module, b] of Object.entries(want.branches)) {
      const got = branchOf(w, module);
      expect(got, `${what}: the ${module} branch`).toEqual({ from: b.from, chain: b.chain, to: b.to });
      // The add also takes the stream it adds to.
      expect(w.edges.filter((e) => e.to === b.to && e.kind === 'residual').map((e) => e.from), `${what}: ${b.to}'s base`).toEqual([b.base]);
      for (const id of got.chain) {
        const n = byId.get(id)!;
        expect(n.row, `${what}: ${id} above the stream`).toBeGreaterThan(0);
        expect(n.col, `${what}: ${id} right of where it reads`).toBeGreaterThan(byId.get(b.from)!.col);
        expect(n.col, `${what}: ${id} left of its add`).toBeLessThan(byId.get(b.to)!.col);
      }
    }

    // Node kinds and labels.
    for (const n of w.nodes) {
      const kind = n.id.startsWith('norm') ? 'norm' : n.id.startsWith('add') ? 'add' : n.id === 'out' ? 'stream-out' : n.id === 'in' || n.id === 'prev' ? 'stream-in' : n.id;
      expect(n.kind, `${what}: ${n.id}`).toBe(kind);
      if (n.kind === 'norm') expect(n.label).toBe(w.norm);
      if (n.kind === 'add') expect(n.label).toBe('+');
      expect(n.title.length).toBeGreaterThan(0);
    }
    expect(w.summary.length).toBeGreaterThan(0);
  });

  it('norm counts per case, as the formulas give them', () => {
    const count = (p: NormPlacement, t: Topology, ffn: string, norm = 'layer_norm') =>
      layerWiring(layerOf(p, t, ffn, norm)).nodes.filter((n) => n.kind === 'norm').length;
    // [pre, post, peri] with a feed-forward block, then without.
    const table: Record<Topology, [number[], number[]]> = {
      sequential: [[2, 2, 4], [1, 1, 2]],
      parallel: [[2, 1, 4], [1, 1, 2]],
      ladder: [[2, 2, 4], [1, 1, 2]],
    };
    for (const t of TOPOLOGIES) {
      PLACEMENTS.forEach((p, i) => {
        expect(count(p, t, 'mlp'), `${p} ${t}`).toBe(table[t][0][i]);
        expect(count(p, t, 'none'), `${p} ${t} no ffn`).toBe(table[t][1][i]);
        expect(count(p, t, 'mlp', 'none'), `${p} ${t} no norm`).toBe(0);
      });
    }
  });

  it.each(CASES)('$placement · $topology · ffn $ffn · norm $norm: the norm boxes are the norms the compiler builds', (c) => {
    const layer = layerOf(c.placement, c.topology, c.ffn, c.norm);
    const drawn = layerWiring(layer).nodes.filter((n) => n.kind === 'norm').map((n) => n.id).sort();
    expect(drawn, name(c)).toEqual(compiledNorms(layer));
  });

  it('no norm: the norms are left out, and every placement draws the same', () => {
    for (const t of TOPOLOGIES) {
      const [pre, post, peri] = PLACEMENTS.map((p) => layerWiring(layerOf(p, t, 'mlp', 'none')));
      expect(post!.nodes).toEqual(pre!.nodes);
      expect(peri!.edges).toEqual(pre!.edges);
      expect(pre!.formula).toBe(post!.formula);
      expect(pre!.summary).toMatch(/^No norm, /);
    }
  });

  it('the ladder reads the stream one module earlier; the others read the latest', () => {
    const ladder = layerWiring(layerOf('pre', 'ladder', 'mlp', 'layer_norm'));
    expect(ladder.edges).toContainEqual({ from: 'prev', to: 'in', kind: 'residual', outside: true });
    expect(ladder.edges).toContainEqual({ from: 'prev', to: 'norm_mixer', kind: 'branch' });
    expect(ladder.edges).toContainEqual({ from: 'in', to: 'norm_ffn', kind: 'branch' });
    const seq = layerWiring(layerOf('pre', 'sequential', 'mlp', 'layer_norm'));
    expect(seq.nodes.some((n) => n.id === 'prev')).toBe(false);
    expect(seq.edges).toContainEqual({ from: 'add_mixer', to: 'norm_ffn', kind: 'branch' });
    expect(seq.edges.some((e) => e.outside)).toBe(false);
  });

  it('one case spelled out in full: Post-LN, parallel', () => {
    const w = layerWiring(layerOf('post', 'parallel', 'mlp', 'layer_norm'));
    expect(w.nodes.map(({ id, kind, label, col, row }) => ({ id, kind, label, col, row }))).toEqual([
      { id: 'in', kind: 'stream-in', label: 'x', col: 0, row: 0 },
      { id: 'mixer', kind: 'mixer', label: 'Mixer', col: 1, row: 1 },
      { id: 'ffn', kind: 'ffn', label: 'FFN', col: 1, row: 2 },
      { id: 'add', kind: 'add', label: '+', col: 2, row: 0 },
      { id: 'norm_mixer', kind: 'norm', label: 'LN', col: 3, row: 0 },
      { id: 'out', kind: 'stream-out', label: 'x′', col: 4, row: 0 },
    ]);
    expect(w.edges).toEqual([
      { from: 'in', to: 'mixer', kind: 'branch' },
      { from: 'in', to: 'ffn', kind: 'branch' },
      { from: 'in', to: 'add', kind: 'residual' },
      { from: 'mixer', to: 'add', kind: 'branch' },
      { from: 'ffn', to: 'add', kind: 'branch' },
      { from: 'add', to: 'norm_mixer', kind: 'residual' },
      { from: 'norm_mixer', to: 'out', kind: 'residual' },
    ]);
  });

  it('formulas and summaries in words', () => {
    const f = (p: NormPlacement, t: Topology, ffn = 'mlp', norm = 'layer_norm') => layerWiring(layerOf(p, t, ffn, norm));
    expect(f('pre', 'sequential').formula).toBe("h = x + Mixer(LN(x)); x′ = h + FFN(LN(h))");
    expect(f('post', 'sequential').formula).toBe('h = LN(x + Mixer(x)); x′ = LN(h + FFN(h))');
    expect(f('peri', 'sequential').formula).toBe('h = x + LN(Mixer(LN(x))); x′ = h + LN(FFN(LN(h)))');
    expect(f('pre', 'parallel').formula).toBe('x′ = x + Mixer(LN(x)) + FFN(LN(x))');
    expect(f('post', 'parallel').formula).toBe('x′ = LN(x + Mixer(x) + FFN(x))');
    expect(f('peri', 'parallel').formula).toBe('x′ = x + LN(Mixer(LN(x))) + LN(FFN(LN(x)))');
    expect(f('pre', 'ladder').formula).toBe('h = x + Mixer(LN(x₋)); x′ = h + FFN(LN(x))');
    expect(f('post', 'ladder', 'none').formula).toBe('x′ = LN(x + Mixer(x₋))');
    expect(f('pre', 'sequential', 'mlp', 'rms_norm').formula).toBe('h = x + Mixer(RMSNorm(x)); x′ = h + FFN(RMSNorm(h))');
    expect(f('peri', 'sequential', 'mlp', 'none').formula).toBe('h = x + Mixer(x); x′ = h + FFN(h)');

    expect(f('pre', 'sequential').summary).toMatch(/^Pre-LN, sequential: /);
    expect(f('post', 'parallel').summary).toMatch(/^Post-LN, parallel: one norm on the stream/);
    expect(f('peri', 'ladder', 'mlp', 'rms_norm').summary).toMatch(/^Peri-LN \(RMSNorm\), ladder: .*one module earlier/);
    expect(f('pre', 'sequential', 'none').summary).toMatch(/no feed-forward/);
    for (const c of CASES) expect(layerWiring(layerOf(c.placement, c.topology, c.ffn, c.norm)).summary).not.toMatch(/;.*;/);
  });
});

describe('Wiring (SVG)', () => {
  const render = (layer: LayerSpec, index: number) => renderToStaticMarkup(createElement(WiringView, { layer, index }));

  it('is an image labelled with the summary, with data attributes for its wiring', () => {
    const layer = layerOf('pre', 'sequential', 'mlp', 'layer_norm');
    const html = render(layer, 2);
    const w = layerWiring(layer);
    expect(html).toContain('role="img"');
    expect(html).toContain(`aria-label="Layer 2 wiring: ${w.summary.replace(/'/g, '&#x27;')}"`);
    expect(html).toMatch(/<title>Layer 2 wiring: Pre-LN, sequential: /);
    expect(html).toContain('data-placement="pre"');
    expect(html).toContain('data-topology="sequential"');
    expect(html).toMatch(/viewBox="0 0 [\d.]+ [\d.]+"/);
  });

  it.each(CASES)('$placement · $topology · ffn $ffn · norm $norm: draws every node and edge once', (c) => {
    const layer = layerOf(c.placement, c.topology, c.ffn, c.norm);
    const w = layerWiring(layer);
    const html = render(layer, 0);
    for (const kind of ['stream-in', 'stream-out', 'norm', 'mixer', 'ffn', 'add'] as const) {
      const drawn = html.split(`data-node-kind="${kind}"`).length - 1;
      expect(drawn, `${name(c)}: ${kind}`).toBe(w.nodes.filter((n) => n.kind === kind).length);
    }
    expect(html.split('data-edge-kind=').length - 1).toBe(w.edges.length);
    expect(html).not.toContain('NaN');
  });
});

describe('the reversible topology (two streams)', () => {
  const REV = (['pre', 'peri'] as const).flatMap((placement) => FFNS.flatMap((ffn) => NORMS.map((norm) => ({ placement, topology: 'reversible', ffn, norm }))));

  it.each(REV)('$placement · ffn $ffn · norm $norm: the mixer reads x₂ and adds to x₁, the feed-forward reads y₁ and adds to x₂', (c) => {
    const layer = layerOf(c.placement, 'reversible', c.ffn, c.norm);
    const w = layerWiring(layer);
    const ids = w.nodes.map((n) => n.id);
    const byId = new Map(w.nodes.map((n) => [n.id, n]));
    expect(new Set(w.nodes.map((n) => `${n.col},${n.row}`)).size).toBe(w.nodes.length);
    const norm = c.norm !== 'none';
    const chain = (m: string) => (!norm ? [m] : c.placement === 'pre' ? [`norm_${m}`, m] : [`norm_${m}`, m, `norm_${m}_out`]);
    const branch = (from: string, m: string, to: string) => {
      const boxes = chain(m);
      [from, ...boxes].forEach((id, i) => i < boxes.length && expect(w.edges).toContainEqual({ from: id, to: boxes[i]!, kind: 'branch' }));
      expect(w.edges).toContainEqual({ from: boxes[boxes.length - 1]!, to, kind: 'branch' });
      for (const id of boxes) expect(byId.get(id)!.row).toBe(1);
    };
    // Stream 1 on row 0: x₁ → + → y₁; stream 2 on row 2: x₂ (→ +) → y₂.
    expect(w.edges).toContainEqual({ from: 'in', to: 'add_mixer', kind: 'residual' });
    expect(w.edges).toContainEqual({ from: 'add_mixer', to: 'out', kind: 'residual' });
    branch('in2', 'mixer', 'add_mixer');
    if (c.ffn === 'mlp') {
      branch('add_mixer', 'ffn', 'add_ffn');
      expect(w.edges).toContainEqual({ from: 'in2', to: 'add_ffn', kind: 'residual' });
      expect(w.edges).toContainEqual({ from: 'add_ffn', to: 'out2', kind: 'residual' });
      expect(byId.get('add_ffn')!.row).toBe(2);
    } else {
      expect(ids).not.toContain('ffn');
      expect(w.edges).toContainEqual({ from: 'in2', to: 'out2', kind: 'residual' });
    }
    expect(['in', 'add_mixer', 'out'].map((id) => byId.get(id)!.row)).toEqual([0, 0, 0]);
    expect(['in2', 'out2'].map((id) => byId.get(id)!.row)).toEqual([2, 2]);
    // Norm boxes are the compiler's norms for this layer.
    expect(w.nodes.filter((n) => n.kind === 'norm').map((n) => n.id).sort()).toEqual(compiledNorms(layer));
    const html = renderToStaticMarkup(createElement(WiringView, { layer, index: 0 }));
    expect(html.split('data-edge-kind=').length - 1).toBe(w.edges.length);
    expect(html).toContain('data-topology="reversible"');
    expect(html).not.toContain('NaN');
  });

  it('formulas and summary', () => {
    expect(layerWiring(layerOf('pre', 'reversible', 'mlp', 'layer_norm')).formula).toBe('y₁ = x₁ + Mixer(LN(x₂)); y₂ = x₂ + FFN(LN(y₁)); x′ = (y₁ + y₂)/2');
    expect(layerWiring(layerOf('peri', 'reversible', 'none', 'rms_norm')).formula).toBe('y₁ = x₁ + RMSNorm(Mixer(RMSNorm(x₂))); y₂ = x₂; x′ = (y₁ + y₂)/2');
    expect(layerWiring(layerOf('pre', 'reversible', 'mlp', 'layer_norm')).summary).toMatch(/^Pre-LN, reversible: .*two streams: the mixer reads x₂ and adds to x₁/);
  });
});

describe('a mixer that copies an earlier layer\'s map (EchoAtt)', () => {
  it('gets a map box above the mixer, a dashed edge into it, and a sentence naming the layer', () => {
    const layer = { ...defaultLayer(), mixer: { kind: 'echo_attention', params: { from: -1 } } };
    const w = layerWiring(layer, { mapFrom: [0] });
    const map = w.nodes.find((n) => n.id === 'map')!;
    const mixer = w.nodes.find((n) => n.id === 'mixer')!;
    expect(map).toMatchObject({ kind: 'map', label: 'map ← 0', col: mixer.col, row: w.rows - 1 });
    expect(map.row).toBeGreaterThan(mixer.row);
    expect(w.edges).toContainEqual({ from: 'map', to: 'mixer', kind: 'map' });
    expect(w.summary).toMatch(/copied from layer 0\.$/);
    const html = renderToStaticMarkup(createElement(WiringView, { layer, index: 1, mapFrom: [0] }));
    expect(html).toContain('data-node-kind="map"');
    expect(html).toContain('class="wiring-edge wiring-copied"');
    // Without a source (nothing to copy), no map box.
    expect(layerWiring(layer).nodes.some((n) => n.id === 'map')).toBe(false);
  });

  it('the layers a looped copy reads from, as the editor passes them', () => {
    const spec = { ...defaultSpec(), layers: [defaultLayer(), { ...defaultLayer(), mixer: { kind: 'echo_attention', params: { from: -1 } } }], loops: [{ start: 0, end: 1, count: 2 }] };
    expect(copiedFromLayers(spec, 1)).toEqual([0]);
    const abs = { ...defaultSpec(), layers: [defaultLayer(), defaultLayer(), { ...defaultLayer(), mixer: { kind: 'echo_attention', params: { from: 0 } } }] };
    expect(copiedFromLayers(abs, 2)).toEqual([0]);
    expect(copiedFromLayers(abs, 1)).toEqual([]);
  });
});
