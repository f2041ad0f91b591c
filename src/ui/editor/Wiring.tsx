/**
 * A layer's wiring diagram: the residual stream as a thick line along the bottom with its adds on
 * it, the branches (mixer, feed-forward, their norms) as boxes above it, and the layer's formula
 * underneath. The diagram's content comes from spec/wiring.ts; this file only lays it out.
 */
import { useMemo } from 'react';
import { layerWiring, type WiringContext, type WiringEdge, type WiringNode, type WiringNodeKind } from '../../spec/wiring';
import type { LayerSpec } from '../../spec/types';

const PAD = 6;
const GAP = 8;
const ROW = 28;
const BOX_H = 18;
const R = 6.5; // the add's circle
const ARROW = 4;
const OUTSIDE_GAP = 12;
const MIN_W: Record<WiringNodeKind, number> = { 'stream-in': 16, 'stream-out': 16, norm: 24, mixer: 38, ffn: 30, add: 2 * R, map: 38 };

interface Point {
  x: number;
  y: number;
}

const width = (n: WiringNode) => (n.kind === 'add' ? 2 * R : Math.max(MIN_W[n.kind], n.label.length * 5.6 + 10));

/** Where everything goes, in SVG units (1 unit = 1 px at natural size). */
function layout(nodes: WiringNode[], edges: WiringEdge[], columns: number, rows: number) {
  const colW = Array.from({ length: columns }, (_, c) => Math.max(0, ...nodes.filter((n) => n.col === c).map(width)));
  // The ladder's stretch of stream outside the layer (x₋ to x) gets room to read as a stretch.
  const col = new Map(nodes.map((n) => [n.id, n.col]));
  const extra = colW.map((_, c) => (edges.some((e) => e.outside && col.get(e.to) === c) ? OUTSIDE_GAP : 0));
  const left: number[] = [];
  colW.reduce((x, w, c) => ((left[c] = x + extra[c]!), x + extra[c]! + w + GAP), PAD);
  const at = new Map<string, Point & { node: WiringNode }>(
    nodes.map((n) => [n.id, { node: n, x: left[n.col]! + colW[n.col]! / 2, y: PAD + BOX_H / 2 + (rows - 1 - n.row) * ROW }]),
  );
  const W = 2 * PAD + [...colW, ...extra].reduce((a, b) => a + b, 0) + GAP * (columns - 1);
  const H = 2 * PAD + (rows - 1) * ROW + BOX_H;
  return { at, W, H };
}

/** An edge as a polyline: straight along a row, else up then across, or across then down. */
function route(s: Point, t: Point): Point[] {
  if (s.y === t.y) return [s, t];
  return s.y > t.y ? [s, { x: s.x, y: t.y }, t] : [s, { x: t.x, y: s.y }, t];
}

/** Stops the last segment at the target's edge, so an arrowhead shows; returns the new end and direction. */
function clip(points: Point[], target: WiringNode): { points: Point[]; dir: Point } {
  const a = points[points.length - 2]!;
  const b = points[points.length - 1]!;
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const dir = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
  const half = target.kind === 'add' ? R : dir.y !== 0 ? BOX_H / 2 : width(target) / 2;
  return { points: [...points.slice(0, -1), { x: b.x - dir.x * (half + 0.5), y: b.y - dir.y * (half + 0.5) }], dir };
}

/** Whether a vertical segment of `p` crosses (strictly inside both) a horizontal segment of `q`. */
function crosses(p: Point[], q: Point[]): boolean {
  for (let i = 1; i < p.length; i++) {
    const [a, b] = [p[i - 1]!, p[i]!];
    if (a.x !== b.x) continue;
    for (let j = 1; j < q.length; j++) {
      const [c, d] = [q[j - 1]!, q[j]!];
      if (c.y !== d.y) continue;
      if (Math.min(c.x, d.x) < a.x && a.x < Math.max(c.x, d.x) && Math.min(a.y, b.y) < c.y && c.y < Math.max(a.y, b.y)) return true;
    }
  }
  return false;
}

const d = (points: Point[]) => points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');

function arrowHead(end: Point, dir: Point): string {
  const n = { x: -dir.y, y: dir.x };
  const back = { x: end.x - dir.x * ARROW, y: end.y - dir.y * ARROW };
  const pts = [end, { x: back.x + n.x * ARROW * 0.7, y: back.y + n.y * ARROW * 0.7 }, { x: back.x - n.x * ARROW * 0.7, y: back.y - n.y * ARROW * 0.7 }];
  return pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function Node({ node, x, y }: { node: WiringNode; x: number; y: number }) {
  const w = width(node);
  return (
    <g className={`wiring-node wiring-${node.kind}`} data-node-kind={node.kind} data-node-id={node.id}>
      <title>{node.title}</title>
      {node.kind === 'add' ? (
        <circle cx={x} cy={y} r={R} />
      ) : (
        <rect x={x - w / 2} y={y - BOX_H / 2} width={w} height={BOX_H} rx={node.kind === 'norm' ? BOX_H / 2 : 3} />
      )}
      <text x={x} y={y}>{node.label}</text>
    </g>
  );
}

/** The wiring diagram of layer `index` (SVG, scales with its box), with its formula below; `mapFrom`: the layers whose attention map its mixer copies. */
export function Wiring({ layer, index, mapFrom }: { layer: LayerSpec; index: number; mapFrom?: WiringContext['mapFrom'] }) {
  const key = mapFrom?.join(',') ?? '';
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for mapFrom's contents
  const wiring = useMemo(() => layerWiring(layer, { mapFrom }), [layer, key]);
  const { at, W, H } = useMemo(() => layout(wiring.nodes, wiring.edges, wiring.columns, wiring.rows), [wiring]);
  const label = `Layer ${index} wiring: ${wiring.summary}`;

  const lines = wiring.edges.map((e: WiringEdge) => {
    const s = at.get(e.from)!;
    const t = at.get(e.to)!;
    return { e, raw: route(s, t), ...clip(route(s, t), t.node) };
  });
  return (
    <figure className="wiring" data-testid="wiring">
      <svg
        role="img"
        aria-label={label}
        viewBox={`0 0 ${W.toFixed(1)} ${H.toFixed(1)}`}
        width={W.toFixed(1)}
        height={H.toFixed(1)}
        data-placement={wiring.placement}
        data-topology={wiring.topology}
        data-norm={wiring.norm ?? 'none'}
        data-ffn={wiring.hasFfn ? 'yes' : 'no'}
      >
        <title>{label}</title>
        <desc>{wiring.formula}</desc>
        {lines.map(({ e, raw, points, dir }, i) => {
          const cls = e.outside ? 'wiring-outside' : e.kind === 'residual' ? 'wiring-stream' : e.kind === 'map' ? 'wiring-copied' : 'wiring-branch';
          const halo = lines.slice(0, i).some((other) => crosses(raw, other.raw));
          return (
            <g key={`${e.from}-${e.to}`} className={`wiring-edge ${cls}`} data-edge-kind={e.kind} data-from={e.from} data-to={e.to}>
              {halo ? <path className="wiring-halo" d={d(raw)} /> : null}
              <path d={d(points)} />
              {e.outside ? null : <polygon points={arrowHead(points[points.length - 1]!, dir)} />}
            </g>
          );
        })}
        {[...at.values()].map(({ node, x, y }) => (
          <Node key={node.id} node={node} x={x} y={y} />
        ))}
      </svg>
      <figcaption className="wiring-formula">
        {wiring.formula.split('; ').map((step) => (
          <span key={step}>{step}</span>
        ))}
      </figcaption>
    </figure>
  );
}
