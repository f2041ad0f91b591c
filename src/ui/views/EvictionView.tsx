/**
 * The KV-cache eviction simulator (issue 20, item 4) on the attention map on screen: for the
 * selected layer run and head and a budget B (tokens), every policy of src/analysis/eviction steps
 * through the map's rows as decode steps, and the view shows the attention mass each keeps per step
 * against B/(t+1) (the share of keys a cache of B holds), which tokens the chosen policy keeps at a
 * chosen step (on a strip of the text's tokens), and a policy × budget table of the mean kept mass
 * over the evicting steps, for this head and averaged over every head of every layer run whose map
 * is explicit and causal (read from the worker one head at a time). Maps without a KV cache
 * (implicit, attribution, bidirectional) get a sentence instead.
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PolicyKind } from '../../analysis/eviction/policy';
import { POLICIES, POLICY_KINDS, policyInfo } from '../../analysis/eviction/registry';
import { budgetOf, mapProblem, meanKept, simulate, table, type Simulation } from '../../analysis/eviction/simulate';
import { blockInfo } from '../../spec/catalog';
import { layerSchedule } from '../../spec/schedule';
import type { ShownResult } from '../../state/store';
import { hash32, Rng } from '../../train/random';
import { useApp } from '../useApp';
import { chartDocument, everyKth, headColour, inner, joinRows, joinValues, plotFrame, type Frame } from './chart';
import { ChartSvg } from './ChartSvg';
import { ExportButtons } from './ExportButtons';
import { WaitingHint } from './Waiting';
import './eviction.css';

const FRAME: Frame = { width: 440, height: 210, margin: { top: 10, right: 14, bottom: 34, left: 46 } };
/** The budgets of the table, as fractions of T (H2O's headline budget is 20%). */
export const TABLE_FRACTIONS = [0.1, 0.2, 0.3, 0.5] as const;
/** Keyformer's Gumbel noise: one seeded stream per (layer run, head), the same in the chart and the table. */
export const evictionRng = (run: number, head: number) => new Rng(hash32(20, run, head));

const colourOf = (kind: PolicyKind) => headColour(POLICY_KINDS.indexOf(kind));
/** A token as the strip shows it: blanks made visible (a struck-out space would read as a dash). */
const shownPiece = (p: string) => (p === ' ' ? '·' : p === '\n' ? '↵' : p);

function drawChart(svg: SVGSVGElement, sims: Simulation[], T: number, budget: number) {
  const { w, h } = inner(FRAME);
  const x = scaleLinear().domain([0, Math.max(1, T - 1)]).range([0, w]);
  const y = scaleLinear().domain([0, 1.02]).range([h, 0]);
  const g = plotFrame(svg, FRAME, x, y, { xTitle: 'decode step t (query)', yTitle: 'attention mass kept', xTicks: everyKth(T, 10), xFormat: String, yFormat: (v) => `${Math.round(Number(v) * 100)}%` });
  const path = line<number>()
    .x((_, i) => x(i))
    .y((v) => y(v));
  const share = Array.from({ length: T }, (_, t) => Math.min(1, budget / (t + 1)));
  g.append('path').attr('class', 'reference').attr('fill', 'none').attr('stroke', 'currentColor').attr('stroke-opacity', 0.7).attr('stroke-dasharray', '4 3').attr('d', path(share));
  for (const sim of sims) {
    g.append('path')
      .attr('class', `series ${sim.kind}`)
      .attr('fill', 'none')
      .attr('stroke', colourOf(sim.kind))
      .attr('stroke-width', sim.kind === 'topk' ? 2.5 : 1.5)
      .attr('stroke-dasharray', sim.kind === 'topk' ? '2 2' : null)
      .attr('d', path(Array.from(sim.kept)));
  }
}

/** Mean kept mass for every (policy, table budget) over the heads whose maps can be simulated; null while reading them. */
function useAllHeads(result: ShownResult | null, runs: number[], budgets: number[]) {
  const mapOf = useApp((s) => s.mapOf);
  const [state, setState] = useState<{ key: string; heads: number; means: Map<string, number> } | null>(null);
  const key = result ? `${result.data.id} ${runs.join(',')} ${budgets.join(',')}` : '';
  useEffect(() => {
    if (!result) return;
    let cancelled = false;
    const { T, nHeads } = result.data;
    void (async () => {
      const sums = new Map<string, number>();
      let heads = 0;
      for (const run of runs) {
        for (let head = 0; head < nHeads; head++) {
          const m = await mapOf(result, { layer: run, head }).catch(() => null);
          if (cancelled) return;
          if (!m || m.block !== 1 || mapProblem(m.values, T)) continue;
          for (const c of table([m.values], T, POLICY_KINDS, budgets, () => evictionRng(run, head))) sums.set(`${c.kind} ${c.budget}`, (sums.get(`${c.kind} ${c.budget}`) ?? 0) + c.mean);
          heads++;
          await new Promise((r) => setTimeout(r, 0)); // let the page breathe between heads
          if (cancelled) return;
        }
      }
      setState({ key, heads, means: new Map([...sums].map(([k, v]) => [k, v / Math.max(1, heads)])) });
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` names everything the effect reads
  }, [key, mapOf]);
  return state && state.key === key ? state : null;
}

function Table({ result, values, layer, head, runs }: { result: ShownResult; values: Float32Array; layer: number; head: number; runs: number[] }) {
  const T = result.data.T;
  const budgets = useMemo(() => [...new Set(TABLE_FRACTIONS.map((f) => budgetOf(f, T)))], [T]);
  const here = useMemo(() => table([values], T, POLICY_KINDS, budgets, () => evictionRng(layer, head)), [values, T, budgets, layer, head]);
  const all = useAllHeads(result, runs, budgets);
  return (
    <>
      <table className="eviction-table" data-testid="eviction-table" data-heads={all?.heads ?? ''}>
        <thead>
          <tr>
            <th scope="col">policy</th>
            {budgets.map((b) => (
              <th scope="col" key={b} colSpan={2} title={`${b} of ${T} tokens`}>
                B = {b} ({Math.round((100 * b) / T)}%)
              </th>
            ))}
          </tr>
          <tr>
            <th scope="col" />
            {budgets.map((b) => [
              <th scope="col" key={`h${b}`}>this head</th>,
              <th scope="col" key={`a${b}`}>all heads</th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {POLICY_KINDS.map((kind) => (
            <tr key={kind}>
              <td>{policyInfo(kind).label}</td>
              {budgets.map((b) => {
                const h = here.find((c) => c.kind === kind && c.budget === b)!.mean;
                const a = all?.means.get(`${kind} ${b}`);
                return [
                  <td key={`h${b}`} data-testid="eviction-cell" data-kind={kind} data-budget={b} data-head-mean={h}>
                    {(h * 100).toFixed(1)}%
                  </td>,
                  <td key={`a${b}`} data-testid="eviction-cell-all" data-kind={kind} data-budget={b} data-all-mean={a ?? ''}>
                    {a === undefined ? '…' : `${(a * 100).toFixed(1)}%`}
                  </td>,
                ];
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        Mean over the steps that evict (t ≥ B) of the attention mass kept.{' '}
        {all ? `All heads: the ${all.heads} explicit, causal head map${all.heads === 1 ? '' : 's'} of this model, each with its own cache.` : 'Reading every head’s map…'}
      </p>
    </>
  );
}

function Simulator({ result, values, layer, head, runs }: { result: ShownResult; values: Float32Array; layer: number; head: number; runs: number[] }) {
  const T = result.data.T;
  const [budgetPick, setBudget] = useState<number | null>(null);
  const [policy, setPolicy] = useState<PolicyKind>('h2o');
  const [stepPick, setStep] = useState<number | null>(null);
  const budget = Math.min(T, Math.max(1, budgetPick ?? budgetOf(0.2, T)));
  const step = Math.min(T - 1, Math.max(0, stepPick ?? T - 1));
  const sims = useMemo(() => POLICY_KINDS.map((k) => simulate(values, T, k, budget, { rng: evictionRng(layer, head) })), [values, T, budget, layer, head]);
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (svgRef.current) drawChart(svgRef.current, sims, T, budget);
  }, [sims, T, budget]);
  const chosen = sims[POLICY_KINDS.indexOf(policy)]!;
  const mask = chosen.masks[step]!;
  const pieces = result.input.pieces;
  return (
    <>
      <div className="eviction-controls">
        <label>
          budget B{' '}
          <input type="number" min={1} max={T} value={budget} data-testid="eviction-budget" onChange={(e) => setBudget(Number(e.target.value) || 1)} style={{ width: '4.5em' }} /> of {T} tokens (
          {Math.round((100 * budget) / T)}%)
        </label>
        <label>
          policy{' '}
          <select value={policy} data-testid="eviction-policy" onChange={(e) => setPolicy(e.target.value as PolicyKind)}>
            {POLICIES.map((p) => (
              <option key={p.kind} value={p.kind}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ul className="eviction-legend">
        {POLICIES.map((p) => (
          <li key={p.kind} title={`${p.rule} (${p.paper})`}>
            <span className="swatch" style={{ borderColor: colourOf(p.kind), borderTopStyle: p.kind === 'topk' ? 'dotted' : 'solid' }} />
            {p.label} {(meanKept(sims[POLICY_KINDS.indexOf(p.kind)]!) * 100).toFixed(1)}%
          </li>
        ))}
        <li>
          <span className="swatch" style={{ borderColor: 'currentColor', borderTopStyle: 'dashed' }} />
          B/(t+1), the share of keys kept
        </li>
      </ul>
      <figure className="chart">
        <ChartSvg svgRef={svgRef} frame={FRAME} testId="eviction-chart" label={`Attention mass kept per decode step by each eviction policy at a budget of ${budget} tokens`} shown />
        <div data-testid="eviction-series" data-policies={POLICY_KINDS.join(',')} data-budget={budget} data-layer={layer} data-head={head} data-kept={joinRows(sims.map((s) => s.kept))} hidden />
        <ExportButtons name="eviction-kept" svg={() => chartDocument(svgRef.current)} />
      </figure>
      <div className="eviction-controls">
        <label>
          step t{' '}
          <input type="range" min={0} max={T - 1} value={step} data-testid="eviction-step" onChange={(e) => setStep(Number(e.target.value))} /> {step}
        </label>
        <span>
          {policyInfo(policy).label} keeps {mask.reduce((a, b) => a + b, 0)} of {step + 1} keys, <strong>{(chosen.kept[step]! * 100).toFixed(1)}%</strong> of row {step}’s attention (ceiling{' '}
          {(sims[POLICY_KINDS.indexOf('topk')]!.kept[step]! * 100).toFixed(1)}%)
        </span>
      </div>
      <div className="eviction-strip" data-testid="eviction-strip" data-policy={policy} data-step={step} data-mask={joinValues(mask)} data-mass={chosen.kept[step]}>
        {Array.from({ length: step + 1 }, (_, j) => (
          <span key={j} className={`tok ${mask[j] ? 'kept' : 'evicted'}${j === step ? ' query' : ''}`} title={`token ${j}: ${mask[j] ? 'kept' : 'evicted'}, weight ${values[step * T + j]!.toFixed(4)}`}>
            {shownPiece(pieces[j] ?? '?')}
          </span>
        ))}
      </div>
      <p className="hint">
        Each row t of the map is one decode step: the cache holds the keys kept after step t − 1 plus key t, and a policy over budget evicts using only rows before t (the ceiling, dotted, reads row t:
        no cache can). Kept mass is Σ of A[t, j] over the kept keys j of the full-cache map. SnapKV treats tokens 0..t − 1 as its prompt at every step. See docs/decoding.md.
      </p>
      <Table result={result} values={values} layer={layer} head={head} runs={runs} />
    </>
  );
}

export function EvictionView() {
  const result = useApp((s) => s.result);
  const map = useApp((s) => s.map);
  const view = useApp((s) => s.view);
  const runs = useMemo(() => (result ? layerSchedule(result.spec) : []), [result]);
  const kinds = useMemo(() => runs.map((r) => blockInfo('mixer', result!.spec.layers[r.layer]!.mixer.kind)), [runs, result]);
  const explicitRuns = useMemo(() => kinds.flatMap((k, r) => (k?.map === 'explicit' ? [r] : [])), [kinds]);
  const layer = result ? Math.min(view.layer, result.data.nLayers - 1) : 0;
  const head = result ? Math.min(view.head, result.data.nHeads - 1) : 0;
  const shown = result && map && map.id === result.data.id && map.layer === layer && map.head === head ? map : null;
  const mixer = kinds[layer];
  const problem = useMemo(() => (shown && shown.block === 1 ? mapProblem(shown.values, shown.T) : null), [shown]);

  let sentence: string | null = null;
  if (result && mixer && mixer.map !== 'explicit')
    sentence = `Layer run ${layer}'s mixer (${mixer.title}) has ${mixer.map === 'implicit' ? 'an implicit map: it is attention-free, and decodes with a recurrent state, not a cache of keys' : 'no exact map (an attribution map): it keeps no cache of attention keys'}, so there is no KV cache to evict. Pick a layer with an attention mixer.`;
  else if (shown && shown.block > 1) sentence = `The text is ${shown.T} tokens long; the simulator needs the full map, which leaves the worker up to 512 tokens. Shorten the text.`;
  else if (problem === 'bidirectional') sentence = 'This map attends both ways (the mixer is not causal): such a model does not decode token by token, so it has no KV cache to evict (token pruning is the encoder’s counterpart).';
  else if (problem === 'not-probabilities') sentence = 'This map has negative weights or rows that do not sum to 1, so "attention mass kept" has no meaning for it.';

  return (
    <section className="panel" aria-label="KV-cache eviction" data-testid="eviction-view">
      <div className="panel-head">
        <h2>
          KV-cache eviction <span className="unit">layer {layer} · head {head}</span>
        </h2>
      </div>
      {!result ? <WaitingHint /> : null}
      {sentence ? (
        <p className="hint" role="note" data-testid="eviction-none">
          {sentence}
        </p>
      ) : null}
      {result && !sentence && !shown ? <p className="hint">Reading the map…</p> : null}
      {result && !sentence && shown ? <Simulator result={result} values={shown.values} layer={layer} head={head} runs={explicitRuns} /> : null}
    </section>
  );
}
