/**
 * The wiring diagram of one layer, as data: where its norms sit and how its residual paths run.
 * The editor draws it (ui/editor/Wiring.tsx); this file only says what is connected to what, on a
 * small grid, so that a test can check it against the formulas the compiler builds
 * (blocks/residual.ts, sequential.ts, parallel.ts, ladder.ts):
 *
 *   module ⊕ by placement   pre:  base + F(N(input))
 *                           post: N(base + F(input))
 *                           peri: base + N_out(F(N_in(input)))
 *   sequential              h = x ⊕ Mixer(x),      x' = h ⊕ FFN(h)
 *   parallel                x' = x + Mixer(…x) + FFN(…x), one add (post: one norm after it)
 *   ladder                  h = x ⊕ Mixer(x₋),     x' = h ⊕ FFN(x)   (x₋: the stream one module earlier)
 *   reversible              y₁ = x₁ ⊕ Mixer(x₂),   y₂ = x₂ ⊕ FFN(y₁)  (two streams: x₁ on row 0, x₂ on top)
 *
 * A mixer that copies an earlier layer's attention map (EchoAtt) gets a "map" box above it with
 * a dashed edge into it, naming the layer the map comes from.
 * Row 0 of the grid is the residual stream, read left to right; branches (the mixer, the
 * feed-forward block and the norms on them) sit in rows above it. A layer whose norm is "none"
 * gets no norm nodes at all: its norms are identities, so every placement draws the same.
 * Norm nodes are named like the compiler's norm weights ("norm_mixer", "norm_ffn_out", …).
 */
import { blockInfo, PLACEMENT_NAMES } from './catalog';
import type { LayerSpec, NormPlacement } from './types';

export type WiringNodeKind = 'stream-in' | 'stream-out' | 'norm' | 'mixer' | 'ffn' | 'add' | 'map';

/** One box, circle or stream end of the diagram. */
export interface WiringNode {
  /** "in", "prev" (ladder), "out", "mixer", "ffn", "add_mixer", "add_ffn", "add" (parallel),
   *  "in2" / "out2" (reversible: the second stream), "map" (a copied attention map), or
   *  a norm: "norm_mixer", "norm_mixer_out", "norm_ffn", "norm_ffn_out" (the compiler's names). */
  id: string;
  kind: WiringNodeKind;
  /** What the box shows: "x", "x′", "x₋", "LN", "RMS", "Mixer", "FFN", "+". */
  label: string;
  /** A sentence for the tooltip. */
  title: string;
  /** Grid position: column from the left, row 0 = the residual stream, rows 1, 2 above it. */
  col: number;
  row: number;
}

/** A line: along the residual stream, or into, along or out of a branch. */
export interface WiringEdge {
  from: string;
  to: string;
  kind: 'residual' | 'branch' | 'map';
  /** Ladder only: the stretch of stream from x₋ to x runs through the previous module, outside this layer. */
  outside?: boolean;
}

export interface Wiring {
  placement: NormPlacement;
  topology: string;
  /** The norm's box label ("LN", "RMS"), or null when the layer has no norm. */
  norm: string | null;
  hasFfn: boolean;
  nodes: WiringNode[];
  edges: WiringEdge[];
  /** Grid size. */
  columns: number;
  rows: number;
  /** One sentence in words: "Pre-LN, sequential: a norm at the start of each branch; …". */
  summary: string;
  /** The layer as a formula: "h = x + Mixer(LN(x)); x' = h + FFN(LN(h))". */
  formula: string;
}

const MODULE_LABEL = { mixer: 'Mixer', ffn: 'FFN' } as const;
const MODULE_WORDS = { mixer: 'the mixer', ffn: 'the feed-forward block' } as const;
type Module = keyof typeof MODULE_LABEL;

/** The norm's short box label and long name, as the norm block declares them; null for a norm that is the identity. */
function normNames(kind: string): { label: string; name: string } | null {
  const info = blockInfo('norm', kind);
  if (info?.diagram !== undefined) return info.diagram;
  const title = info?.title ?? kind;
  return { label: title, name: title };
}

/** What the diagram needs beyond the layer: the spec layers whose attention maps its mixer copies (EchoAtt). */
export interface WiringContext {
  mapFrom?: readonly number[];
}

/** The diagram of `layer`: nodes on a grid, edges, a sentence and a formula. */
export function layerWiring(layer: LayerSpec, context: WiringContext = {}): Wiring {
  const { placement } = layer;
  const topology = layer.topology.kind;
  const layout = blockInfo('topology', topology)?.layout ?? 'sequential';
  const norm = normNames(layer.norm.kind);
  // A dropped sub-block (`drop`, He et al. 2024) is not drawn: the compiler leaves it out with its norms and add.
  const hasMixer = !layer.drop?.mixer;
  const hasFfn = !blockInfo('ffn', layer.ffn.kind)?.absent && !layer.drop?.ffn;
  const modules: Module[] = [...(hasMixer ? (['mixer'] as const) : []), ...(hasFfn ? (['ffn'] as const) : [])];
  const nodes: WiringNode[] = [];
  const edges: WiringEdge[] = [];
  const node = (id: string, kind: WiringNodeKind, label: string, title: string, col: number, row = 0) => {
    nodes.push({ id, kind, label, title, col, row });
    return id;
  };
  const edge = (from: string, to: string, kind: WiringEdge['kind']) => edges.push({ from, to, kind });
  /** N(s) in the formula: s itself when there is no norm. */
  const N = (s: string) => (norm ? `${norm.name}(${s})` : s);
  const normNode = (id: string, where: string, col: number, row: number) =>
    node(id, 'norm', norm!.label, `${norm!.name} ${where} (${id})`, col, row);
  /** The nodes of one branch reading `input`, from its first column; returns them in order and the next free column. */
  const branch = (m: Module, input: string, col: number, row: number, normed: { in: boolean; out: boolean }) => {
    const ids: string[] = [input];
    if (norm && normed.in) ids.push(normNode(`norm_${m}`, `on ${MODULE_WORDS[m]}'s input`, col++, row));
    ids.push(node(m, m, MODULE_LABEL[m], `${m === 'mixer' ? 'The token mixer' : 'The feed-forward block'}: ${blockInfo(m, layer[m].kind)?.title ?? layer[m].kind}`, col++, row));
    if (norm && normed.out) ids.push(normNode(`norm_${m}_out`, `on ${MODULE_WORDS[m]}'s output`, col++, row));
    ids.slice(1).forEach((id, i) => edge(ids[i]!, id, 'branch'));
    return { ids: ids.slice(1), col };
  };
  const onBranch = { in: placement !== 'post', out: placement === 'peri' };

  let formula: string;
  let col = 0;
  const ladder = layout === 'ladder';
  if (ladder) {
    node('prev', 'stream-in', 'x₋', 'x₋: the residual stream one module earlier, before the previous module added its result', col++);
    edges.push({ from: 'prev', to: 'in', kind: 'residual', outside: true });
  }
  if (layout === 'reversible') node('in', 'stream-in', 'x₁', 'x₁: the first stream (a copy of x when the layer before is not reversible)', col++);
  else node('in', 'stream-in', 'x', 'x: the residual stream coming into the layer', col++);

  if (layout === 'reversible') {
    // Two streams: x₁ along row 0, x₂ along row 2, both branches on row 1 between them. The mixer
    // reads x₂ and adds to x₁ (y₁); the feed-forward reads y₁ and adds to x₂ (y₂), its add straight
    // above its last box. No norm on a stream: post-LN is refused for this topology.
    node('in2', 'stream-in', 'x₂', 'x₂: the second stream (a copy of x when the layer before is not reversible)', 0, 2);
    const mixer = branch('mixer', 'in2', col, 1, onBranch);
    col = mixer.col;
    node('add_mixer', 'add', '+', 'Adds the mixer\'s result to the first stream: y₁', col++);
    edge('in', 'add_mixer', 'residual');
    edge(mixer.ids[mixer.ids.length - 1]!, 'add_mixer', 'branch');
    let first = 'y₁ = x₁ + ' + (placement === 'peri' ? N(`Mixer(${N('x₂')})`) : `Mixer(${N('x₂')})`);
    let top = 'in2';
    if (hasFfn) {
      const ffn = branch('ffn', 'add_mixer', col, 1, onBranch);
      col = ffn.col;
      node('add_ffn', 'add', '+', 'Adds the feed-forward block\'s result to the second stream: y₂', col - 1, 2);
      edge('in2', 'add_ffn', 'residual');
      edge(ffn.ids[ffn.ids.length - 1]!, 'add_ffn', 'branch');
      top = 'add_ffn';
      first += `; y₂ = x₂ + ${placement === 'peri' ? N(`FFN(${N('y₁')})`) : `FFN(${N('y₁')})`}`;
    } else first += '; y₂ = x₂';
    node('out', 'stream-out', 'y₁', 'y₁: the first stream, to the next reversible layer; the rest of the model reads (y₁ + y₂)/2', col);
    node('out2', 'stream-out', 'y₂', 'y₂: the second stream, to the next reversible layer; the rest of the model reads (y₁ + y₂)/2', col++, 2);
    edge('add_mixer', 'out', 'residual');
    edge(top, 'out2', 'residual');
    formula = `${first}; x′ = (y₁ + y₂)/2`;
  } else if (layout === 'parallel') {
    // Every branch reads x; all results are added to x at once (one add), post: one norm after it.
    let next = col;
    const lasts = modules.map((m, i) => {
      const { ids, col: c } = branch(m, 'in', col, i + 1, onBranch);
      next = c;
      return ids[ids.length - 1]!;
    });
    col = next;
    node('add', 'add', '+', 'Adds every branch to the stream at once', col++);
    edge('in', 'add', 'residual');
    for (const last of lasts) edge(last, 'add', 'branch');
    let out = 'add';
    if (norm && placement === 'post') {
      out = normNode('norm_mixer', 'on the stream, after the joint add', col++, 0);
      edge('add', out, 'residual');
    }
    node('out', 'stream-out', 'x′', 'x′: the residual stream leaving the layer', col++);
    edge(out, 'out', 'residual');
    const term = (m: Module) => (placement === 'post' ? `${MODULE_LABEL[m]}(x)` : placement === 'peri' ? N(`${MODULE_LABEL[m]}(${N('x')})`) : `${MODULE_LABEL[m]}(${N('x')})`);
    const sum = ['x', ...modules.map(term)].join(' + ');
    formula = `x′ = ${placement === 'post' ? N(sum) : sum}`;
  } else {
    // Sequential and ladder: one module after the other. `outputs` are the stream after each
    // module, oldest first; a module adds to the latest and reads the latest (sequential) or the
    // one before it (ladder).
    const outputs = ladder ? ['prev', 'in'] : ['in'];
    const names = ladder ? ['x₋', 'x'] : ['x'];
    const steps: string[] = [];
    modules.forEach((m, i) => {
      const base = outputs[outputs.length - 1]!;
      const input = ladder ? outputs[outputs.length - 2]! : base;
      const { ids, col: c } = branch(m, input, col, ladder ? i + 1 : 1, onBranch);
      col = c;
      const add = node(`add_${m}`, 'add', '+', `Adds ${MODULE_WORDS[m]}'s result to the stream`, col++);
      edge(base, add, 'residual');
      edge(ids[ids.length - 1]!, add, 'branch');
      let out = add;
      if (norm && placement === 'post') {
        out = normNode(`norm_${m}`, `on the stream, after ${MODULE_WORDS[m]}'s add`, col++, 0);
        edge(add, out, 'residual');
      }
      outputs.push(out);
      const [b, u, F] = [names[names.length - 1]!, ladder ? names[names.length - 2]! : names[names.length - 1]!, MODULE_LABEL[m]];
      const name = i === modules.length - 1 ? 'x′' : 'h';
      const value = placement === 'pre' ? `${b} + ${F}(${N(u)})` : placement === 'post' ? N(`${b} + ${F}(${u})`) : `${b} + ${N(`${F}(${N(u)})`)}`;
      steps.push(`${name} = ${value}`);
      names.push(name);
    });
    node('out', 'stream-out', 'x′', 'x′: the residual stream leaving the layer', col++);
    edge(outputs[outputs.length - 1]!, 'out', 'residual');
    formula = steps.length ? steps.join('; ') : 'x′ = x';
  }

  // A mixer that copies an earlier layer's attention map: the map, drawn above the mixer.
  const mixerNode = nodes.find((n) => n.id === 'mixer');
  if (mixerNode && context.mapFrom?.length) {
    const from = context.mapFrom;
    const names = from.length === 1 ? `layer ${from[0]}` : `layers ${from.join(', ')}`;
    node('map', 'map', `map ← ${from.join(',')}`, `The attention map, copied from ${names}: this mixer computes no attention of its own (EchoAtt)`, mixerNode.col, Math.max(...nodes.map((n) => n.row)) + 1);
    edges.push({ from: 'map', to: 'mixer', kind: 'map' });
  }

  const where = !norm
    ? `the branches add straight to the stream, so the placement (${placement}) changes nothing`
    : placement === 'pre'
      ? 'a norm at the start of each branch, the stream itself is never normalised'
      : placement === 'peri'
        ? 'a norm at both ends of each branch, the stream itself is never normalised'
        : layout === 'parallel'
          ? 'one norm on the stream, after the joint add'
          : 'a norm on the stream after each add';
  const how = !hasMixer
    ? hasFfn
      ? `the token mixer is dropped: only the feed-forward block adds to the stream${ladder ? ', reading it from one module earlier (x₋)' : ''}`
      : 'both sub-blocks are dropped: the stream passes the layer unchanged'
    : layout === 'reversible'
    ? `two streams: the mixer reads x₂ and adds to x₁, ${hasFfn ? 'the feed-forward block reads that sum (y₁) and adds to x₂' : 'no feed-forward block, so x₂ passes unchanged'}, and the next reversible layer takes both (the rest of the model their mean)`
    : !hasFfn
    ? ladder
      ? 'only the mixer (no feed-forward), and it reads the stream from one module earlier (x₋)'
      : 'only the mixer (no feed-forward) adds to the stream'
    : layout === 'parallel'
      ? 'the mixer and the feed-forward block both read x and are added together'
      : ladder
        ? 'each branch reads the stream from one module earlier: the mixer reads x₋, the feed-forward block reads x, not the mixer\'s result'
        : 'the feed-forward block reads the stream after the mixer\'s add';
  const name = norm ? `${PLACEMENT_NAMES[placement]}${norm.name === 'LN' ? '' : ` (${norm.name})`}` : 'No norm';
  const copied = context.mapFrom?.length ? ` The mixer's attention map is copied from layer ${context.mapFrom.join(', ')}.` : '';
  const summary = `${name}, ${topology}: ${where}; ${how}.${copied}`;

  const rows = 1 + Math.max(...nodes.map((n) => n.row));
  return { placement, topology, norm: norm?.label ?? null, hasFfn, nodes, edges, columns: col, rows, summary, formula };
}
