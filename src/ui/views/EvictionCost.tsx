/**
 * The exact effect of KV-cache eviction (issue 20, item 5): the text on screen decoded again with
 * each policy masking the cache at each budget (src/analysis/eviction/rerun.ts, run in the worker by
 * workers/evictionCost.ts), against the full cache. Shown: KL(full ‖ evicted) of the next-token
 * distribution at every step, one line per policy, for the chosen budget; and the policy × budget
 * table of the mean KL over the steps that evict, the share of those steps whose top token
 * changed, and, for a trained model, the task accuracy on held-out examples. Runs on demand: it
 * decodes the text (policies × budgets + 1) times.
 */
import { line } from 'd3-shape';
import { scaleLinear } from 'd3-scale';
import { useEffect, useRef, useState } from 'react';
import { POLICIES } from '../../analysis/eviction/registry';
import type { PolicyKind } from '../../analysis/eviction/policy';
import { errorParts, ERROR } from '../../spec/errors';
import type { EvictionCell, EvictionCostResult, ShownResult } from '../../state/store';
import { useAppStore, useApp } from '../useApp';
import { chartDocument, everyKth, headColour, headDash, inner, joinRows, percent, plotFrame, type Frame } from './chart';
import { ChartSvg } from './ChartSvg';
import { ExportButtons } from './ExportButtons';
import { WaitingHint } from './Waiting';

const FRAME: Frame = { width: 460, height: 200, margin: { top: 10, right: 14, bottom: 34, left: 56 } };

/** Default budgets for a text of T tokens: an eighth, a quarter and a half of it (at least 1, distinct). */
export function defaultBudgets(T: number): number[] {
  return [...new Set([T / 8, T / 4, T / 2].map((f) => Math.max(1, Math.round(f))))];
}

/** Budgets typed as "4, 8, 16": whole numbers from 1, or the reason they cannot be used. */
export function parseBudgets(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const values = parts.map(Number);
  if (!values.length) return 'Give at least one budget.';
  if (values.some((v) => !Number.isInteger(v) || v < 1)) return 'A budget is a whole number of tokens, at least 1.';
  return [...new Set(values)].sort((a, b) => a - b);
}

const labelOf = (kind: PolicyKind) => POLICIES.find((p) => p.kind === kind)?.label ?? kind;

type Shown = { phase: 'idle' } | { phase: 'running'; forId: number; done: number; total: number; cells: EvictionCell[] } | { phase: 'done'; forId: number; result: EvictionCostResult } | { phase: 'failed'; forId: number; message: string };

function drawSteps(svg: SVGSVGElement, cells: EvictionCell[], budget: number) {
  const shown = cells.filter((c) => c.budget === budget);
  const T = shown[0]?.kl.length ?? 1;
  let top = 1e-6;
  for (const c of shown) for (const v of c.kl) top = Math.max(top, v);
  const { w, h } = inner(FRAME);
  const x = scaleLinear().domain([0, Math.max(1, T - 1)]).range([0, w]);
  const y = scaleLinear().domain([0, top * 1.05]).range([h, 0]);
  const g = plotFrame(svg, FRAME, x, y, { xTitle: 'decode step (token position)', yTitle: 'KL(full ‖ evicted), nats', xTicks: everyKth(T, 10), xFormat: String });
  const path = line<number>()
    .x((_, i) => x(i))
    .y((v) => y(v));
  // The budget: steps before it keep every key (KL 0).
  if (budget < T) g.append('line').attr('class', 'reference').attr('x1', x(budget)).attr('x2', x(budget)).attr('y1', 0).attr('y2', h).attr('stroke', 'currentColor').attr('stroke-dasharray', '4 3').attr('stroke-opacity', 0.6);
  shown.forEach((c, k) => {
    g.append('path').attr('class', 'series').attr('fill', 'none').attr('stroke', headColour(k)).attr('stroke-width', 1.6).attr('stroke-dasharray', headDash(k)).attr('d', path(c.kl));
  });
  Object.assign(svg.dataset, { budget: String(budget), kinds: shown.map((c) => c.kind).join(','), values: joinRows(shown.map((c) => c.kl)) });
}

function StepChart({ cells, budgets }: { cells: EvictionCell[]; budgets: number[] }) {
  const [chosen, setChosen] = useState<number | null>(null);
  const budget = chosen !== null && budgets.includes(chosen) ? chosen : budgets[0]!;
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => drawSteps(svgRef.current!, cells, budget), [cells, budget]);
  const kinds = [...new Set(cells.filter((c) => c.budget === budget).map((c) => c.kind))];
  return (
    <figure className="chart">
      <figcaption className="chart-head">
        <span>KL per step at a budget of</span>
        <select aria-label="Budget shown" value={budget} onChange={(e) => setChosen(Number(e.target.value))} data-testid="eviction-cost-budget">
          {budgets.map((b) => (
            <option key={b} value={b}>
              {b} tokens
            </option>
          ))}
        </select>
        <ExportButtons name="eviction-kl" svg={() => chartDocument(svgRef.current)} />
      </figcaption>
      <ChartSvg svgRef={svgRef} frame={FRAME} testId="eviction-cost-steps" shown label={`KL divergence of the next-token distribution from the full cache at each decode step, one line per policy, budget ${budget} tokens`} />
      <p className="legend">
        {kinds.map((k, i) => (
          <span key={k} style={{ marginRight: '1em', whiteSpace: 'nowrap' }}>
            <span aria-hidden="true" style={{ display: 'inline-block', width: '1.2em', height: '0.3em', verticalAlign: 'middle', background: headColour(i), marginRight: '0.3em' }} />
            {labelOf(k)}
          </span>
        ))}
      </p>
    </figure>
  );
}

function CostTable({ result, cells }: { result: EvictionCostResult | null; cells: EvictionCell[] }) {
  const budgets = [...new Set(cells.map((c) => c.budget))].sort((a, b) => a - b);
  const kinds = [...new Set(cells.map((c) => c.kind))];
  const cell = (k: PolicyKind, b: number) => cells.find((c) => c.kind === k && c.budget === b);
  const accuracy = result?.accuracy;
  return (
    <table className="drop-table" data-testid="eviction-cost-table">
      <thead>
        <tr>
          <th scope="col">policy</th>
          {budgets.map((b) => (
            <th key={b} scope="col" title="Mean KL(full ‖ evicted) over the steps that evict (t ≥ budget); top-token changes in brackets">
              {b} tokens
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {kinds.map((k) => (
          <tr key={k}>
            <th scope="row">{labelOf(k)}</th>
            {budgets.map((b) => {
              const c = cell(k, b);
              return (
                <td key={b} data-testid="eviction-cost-cell" data-kind={k} data-budget={b} data-kl={c?.meanKl ?? ''} data-accuracy={c?.accuracy ?? ''}>
                  {c ? `${c.meanKl.toFixed(4)} (${percent(c.flipped)})` : '…'}
                  {c?.accuracy !== undefined ? ` · acc ${percent(c.accuracy)}` : ''}
                </td>
              );
            })}
          </tr>
        ))}
        {accuracy ? (
          <tr>
            <th scope="row">full cache</th>
            <td colSpan={budgets.length} data-testid="eviction-cost-full-accuracy" data-accuracy={accuracy.full}>
              acc {percent(accuracy.full)} on {accuracy.examples} held-out examples of {accuracy.task}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

function Measure({ result }: { result: ShownResult }) {
  const store = useAppStore();
  const T = result.input.ids.length;
  const [budgetText, setBudgetText] = useState(() => defaultBudgets(T).join(', '));
  const [latest, setShown] = useState<Shown>({ phase: 'idle' });
  const [cachePositions, setCachePositions] = useState(false);
  const run = useRef(0);
  const id = result.data.id;
  const shown: Shown = latest.phase !== 'idle' && latest.forId !== id ? { phase: 'idle' } : latest;
  const budgets = parseBudgets(budgetText);
  const problem = typeof budgets === 'string' ? budgets : null;

  const start = () => {
    if (typeof budgets === 'string') return;
    const mine = ++run.current;
    let finished = false;
    setShown({ phase: 'running', forId: id, done: 0, total: budgets.length * POLICIES.length, cells: [] });
    store
      .getState()
      .evictionCost(result, { budgets, cachePositions }, (p) => {
        if (run.current === mine && !finished) setShown({ phase: 'running', forId: id, done: p.done, total: p.total, cells: p.cells });
      })
      .then(
        (r) => {
          finished = true;
          if (run.current === mine) setShown({ phase: 'done', forId: id, result: r });
        },
        (e: unknown) => {
          finished = true;
          if (run.current !== mine) return;
          const { name, message } = errorParts(e);
          setShown(name === ERROR.Superseded ? { phase: 'idle' } : { phase: 'failed', forId: id, message });
        },
      );
  };

  const cells = shown.phase === 'done' ? shown.result.cells : shown.phase === 'running' ? shown.cells : [];
  const shownBudgets = [...new Set(cells.map((c) => c.budget))].sort((a, b) => a - b);
  return (
    <>
      <div className="controls">
        <label>
          Budgets (tokens per head){' '}
          <input type="text" value={budgetText} onChange={(e) => setBudgetText(e.target.value)} aria-label="Budgets in tokens" data-testid="eviction-cost-budgets" size={14} />
        </label>{' '}
        <label title="StreamingLLM's code numbers the kept keys by their rank in the cache; unticked, every kept key keeps its position in the text">
          <input type="checkbox" checked={cachePositions} onChange={(e) => setCachePositions(e.target.checked)} data-testid="eviction-cost-cache-positions" /> StreamingLLM: positions within the cache
        </label>{' '}
        <button type="button" onClick={start} disabled={!!problem || shown.phase === 'running'} data-testid="eviction-cost-run">
          Measure
        </button>
        {problem ? <span className="hint" role="alert"> {problem}</span> : null}
        {shown.phase === 'running' ? <span className="hint" data-testid="eviction-cost-progress"> {shown.done} / {shown.total} cells…</span> : null}
      </div>
      {shown.phase === 'failed' ? (
        <p className="hint" role="alert" data-testid="eviction-cost-error">
          {shown.message}
        </p>
      ) : null}
      {cells.length ? (
        <>
          <StepChart cells={cells} budgets={shownBudgets} />
          <CostTable result={shown.phase === 'done' ? shown.result : null} cells={cells} />
          {shown.phase === 'done' ? (
            <p className="hint" data-testid="eviction-cost-done" data-weights={shown.result.weights}>
              On {shown.result.weights} weights; layer runs masked: {shown.result.evictedRuns.join(', ')}.
              {shown.result.accuracy ? '' : ' Train the model (or import a trained one) for the task accuracy at each budget.'}
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

export function EvictionCost() {
  const result = useApp((s) => s.result);
  return (
    <section className="panel" aria-label="Exact effect of eviction">
      <div className="panel-head">
        <h2>Exact effect of KV-cache eviction</h2>
      </div>
      {!result ? <WaitingHint /> : null}
      {result ? (
        <>
          <p className="hint">
            The text is decoded token by token with the decode graph, once with the full cache and once per policy and budget with the cache masked as the
            policy decides from the attention rows of that same evicted run. Each cell: the mean KL(full ‖ evicted) of the next-token distribution, in nats,
            over the steps where the cache is over budget, with the share of those steps whose most likely token changed. Kept keys keep their original
            positions (tick the box for StreamingLLM's numbering within the cache, which RoPE and relative biases see); evicted ones are left out of each
            softmax (the kept weights renormalise). Budgets count tokens per layer and head.
          </p>
          <Measure result={result} />
        </>
      ) : null}
    </section>
  );
}
