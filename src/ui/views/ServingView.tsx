/**
 * The serving projection (docs/decoding.md#serving-projection): the model in the editor (and
 * compare mode's model B beside it) projected onto an accelerator profile from public
 * specifications, or onto this browser as measured here. A table at the chosen context length
 * (state bytes per token, prefill and decode FLOPs and bytes, roofline bounds, memory, the longest
 * context that fits), a chart of the decode bound per token and of memory against context up to
 * 2^20 tokens, and the check of the compute term against this page's own latency sweep.
 *
 * The projection compiles a dozen graphs per model (src/analysis/serving/model.ts), so it is
 * computed when the panel is opened and again after edits pause, not on every keystroke.
 */
import { useEffect, useMemo, useState } from 'react';
import { MAX_CONTEXT, longestContext, projectAt, type ServingModel, type ServingSettings } from '../../analysis/serving/projection';
import { PRECISIONS, PROFILES, findProfile, type AcceleratorProfile, type Precision } from '../../analysis/serving/profiles';
import { fitText } from '../../analysis/serving/fit';
import { browserProfile } from '../../analysis/serving/measured';
import type { ServingAnswer } from '../../state/store';
import { formatBytes } from '../../spec/units';
import type { Spec } from '../../spec/types';
import { useApp } from '../useApp';
import { ServingChart } from './ServingChart';
import { ServingCheck, checkLengths, decodeCheck } from './ServingCheck';
import { formatDecimalBytes, formatFlops, formatSeconds } from './servingFormat';
import './serving.css';

/** Quiet time after an edit before the projection is asked for again (ms). */
const RECOMPUTE_DELAY_MS = 400;

type Built = { key: string; answer: ServingAnswer } | { key: string; error: string };

/**
 * The worker's serving answer for `spec` (and the fast graph's FLOPs at `lengths`), asked for
 * after edits pause while `open`; null until it arrives for the current spec and lengths.
 */
function useServing(spec: Spec | null, lengths: number[], open: boolean): Built | null {
  const serving = useApp((s) => s.serving);
  const [built, setBuilt] = useState<Built | null>(null);
  const key = spec ? `${JSON.stringify(spec)}|${lengths.join(',')}` : '';
  useEffect(() => {
    if (!open || !spec || built?.key === key) return;
    let live = true;
    const timer = setTimeout(() => {
      serving({ spec, lengths }).then(
        (answer) => live && setBuilt({ key, answer }),
        (e: unknown) => live && setBuilt({ key, error: e instanceof Error ? e.message : String(e) }),
      );
    }, RECOMPUTE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for spec and lengths
  }, [key, open, serving]);
  return built && built.key === key ? built : null;
}

/** One model's column of the table. */
function column(m: ServingModel, s: ServingSettings, L: number) {
  return { point: projectAt(m, s, L), longest: longestContext(m, s) };
}

const ROWS: { key: string; label: string; title?: string; value: (c: ReturnType<typeof column>, m: ServingModel) => string }[] = [
  { key: 'state-per-token', label: 'state per token (batch)', title: 'Bytes one more token of context adds to the decode state: the K/V caches (0 past a sliding window)', value: (c, m) => (m.state ? formatBytes(c.point.stateBytesPerToken) : '—') },
  { key: 'state-constant', label: 'constant state (batch)', title: 'Recurrent state: the same size at every context', value: (c, m) => (m.state ? formatBytes(c.point.constantStateBytes) : '—') },
  { key: 'state', label: 'state at L (batch)', value: (c, m) => (m.state ? formatBytes(c.point.stateBytes) : '—') },
  { key: 'weights', label: 'weights', value: (c) => formatBytes(c.point.weightsBytes) },
  { key: 'memory', label: 'memory at L (weights + state)', value: (c) => `${formatBytes(c.point.memoryBytes)}${c.point.fits ? '' : ' (does not fit)'}` },
  { key: 'prefill-flops', label: 'prefill FLOPs at L', value: (c) => formatFlops(c.point.prefillFlops) },
  { key: 'prefill-bound', label: 'prefill time ≥', title: 'max(FLOPs / peak, bytes / bandwidth): a lower bound', value: (c) => `${formatSeconds(c.point.prefill.boundS)} (${c.point.prefill.limit})` },
  { key: 'decode-flops', label: 'decode FLOPs per token at L', value: (c) => (c.point.decodeFlops === null ? '—' : formatFlops(c.point.decodeFlops)) },
  { key: 'decode-bytes', label: 'decode bytes read per token', title: 'The weights and the whole decode state, read once per step', value: (c) => formatBytes(c.point.decodeBytes) },
  { key: 'decode-bound', label: 'decode time per token ≥', title: 'max(FLOPs / peak, bytes / bandwidth): a lower bound', value: (c) => (c.point.decode ? `${formatSeconds(c.point.decode.boundS)} (${c.point.decode.limit})` : '—') },
  { key: 'longest', label: 'longest context that fits', value: (c) => (c.longest >= MAX_CONTEXT ? `≥ ${MAX_CONTEXT.toLocaleString('en')}` : c.longest.toLocaleString('en')) },
];

/** What a column cannot show, and how far its numbers can be trusted. */
function Notes({ name, m }: { name: string; m: ServingModel }) {
  return (
    <ul className="hint serving-notes" data-testid={`serving-notes-${name}`}>
      <li>
        {name}: prefill FLOPs F(T) = {fitText(m.prefill)}{' '}
        {m.prefill.exact ? `(exact: reproduces the compiled T = ${m.prefill.heldOut.join(', ')})` : `(NOT exact: held-out error ${(m.prefill.heldOutError * 100).toFixed(1)}%, an approximation)`}
      </li>
      {m.decode ? (
        <li>
          decode FLOPs f(L) = {fitText(m.decode)} {m.decode.exact ? '(exact on held-out capacities)' : `(NOT exact: held-out error ${(m.decode.heldOutError * 100).toFixed(1)}%)`}
        </li>
      ) : (
        <li>no decode projection: {m.decodeMissing}</li>
      )}
      {m.state ? null : <li>no decode state: {m.stateMissing}</li>}
      {m.positionsLimited ? <li>learned positions stop at maxLen {m.maxLen}: longer contexts count the position rows the table would need</li> : null}
    </ul>
  );
}

export function ServingView() {
  const editorSpec = useApp((s) => s.spec);
  const result = useApp((s) => s.result);
  const spec = result?.spec ?? editorSpec; // the model drawn, whose latency the page measures
  const specB = useApp((s) => s.compare?.resultB?.spec ?? s.compare?.specB ?? null);
  const fast = useApp((s) => s.latency.fast);
  const sweep = useApp((s) => s.latency.sweep);
  const decoded = useApp((s) => s.decodeMeasured);
  const [open, setOpen] = useState(false);
  const [profileId, setProfileId] = useState('h100-sxm');
  const [precision, setPrecision] = useState<Precision>('bf16');
  const [batch, setBatch] = useState(1);
  const [exponent, setExponent] = useState(17); // 2^17 = 131,072 tokens
  const L = Math.round(2 ** exponent);

  const figure = fast && result && fast.id === result.data.id ? fast : null;
  const lengths = useMemo(() => checkLengths(figure, sweep, spec), [figure, sweep, spec]);
  const a = useServing(spec, lengths, open);
  const b = useServing(specB, [], open);
  const answerA = a && 'answer' in a ? a.answer : null;

  /** "This browser": the fast graph's FLOPs at the measured length over the measured time. */
  const browser = useMemo<AcceleratorProfile | null>(() => {
    const flops = figure && answerA?.flopsAt.find((f) => f.T === figure.T)?.flops;
    if (!figure || !answerA || !flops) return null;
    // Its bandwidth from a measured decode step, once the latency view's decode sweep ran on this model.
    const decode = decodeCheck(answerA, decoded, spec, flops / (figure.medianMs / 1000));
    return browserProfile({ T: figure.T, ms: figure.medianMs, amount: flops }, decode?.timed ?? null, figure.provider, answerA.budgetBytes);
  }, [figure, answerA, decoded, spec]);

  const profile = profileId === 'browser' ? browser : findProfile(profileId) ?? null;
  const settings: ServingSettings | null = profile
    ? { bytesPerNumber: PRECISIONS[precision].bytes, batch, memoryBytes: profile.memoryBytes, bandwidth: profile.bandwidth, peakFlops: profile.peakFlops }
    : null;
  const models = [
    { name: 'A', built: a },
    ...(specB ? [{ name: 'B', built: b }] : []),
  ];
  const ready = models.map(({ name, built }) => ({ name, m: built && 'answer' in built ? built.answer.model : null, error: built && 'error' in built ? built.error : null }));
  const columns = settings ? ready.map((r) => (r.m ? column(r.m, settings, L) : null)) : [];

  return (
    <section className="panel serving" aria-label="Serving projection" data-testid="serving">
      <div className="panel-head">
        <h2>Serving projection</h2>
        <button type="button" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="serving-toggle">
          {open ? 'Hide' : 'Project onto an accelerator'}
        </button>
      </div>
      {!open ? (
        <p className="hint">What this model would cost to serve: KV-cache bytes per token, prefill and decode FLOPs and bytes, roofline bounds on their latency and the longest context that fits, on an accelerator from its public specifications, up to 2^20 tokens.</p>
      ) : (
        <>
          <div className="serving-controls">
            <label>
              Accelerator{' '}
              <select value={profileId} onChange={(e) => setProfileId(e.target.value)} data-testid="serving-profile">
                {PROFILES.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
                <option value="browser" disabled={!browser}>
                  this browser (measured{browser ? '' : ': waiting for a latency figure'})
                </option>
              </select>
            </label>
            <label>
              Precision{' '}
              <select value={precision} onChange={(e) => setPrecision(e.target.value as Precision)} data-testid="serving-precision">
                {Object.entries(PRECISIONS).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Batch{' '}
              <input type="number" min={1} max={4096} value={batch} onChange={(e) => setBatch(Math.max(1, Math.min(4096, Math.round(Number(e.target.value)) || 1)))} data-testid="serving-batch" style={{ width: 64 }} />
            </label>
            <label>
              Context L = <strong data-testid="serving-context">{L.toLocaleString('en')}</strong>{' '}
              <input type="range" min={0} max={20} step={0.25} value={exponent} onChange={(e) => setExponent(Number(e.target.value))} aria-label="Context length (log scale)" data-testid="serving-slider" />
            </label>
          </div>
          {profile ? (
            <p className="hint" data-testid="serving-profile-text">
              {profile.name}: {formatDecimalBytes(profile.memoryBytes)} memory, {Number.isFinite(profile.bandwidth) ? `${(profile.bandwidth / 1e9).toFixed(0)} GB/s` : 'bandwidth not measured (the memory term is left out)'}, {(profile.peakFlops / 1e12).toPrecision(4)} TFLOP/s{' '}
              ({profile.precision}). Source: {profile.source}. Latencies are lower bounds, max(FLOPs / peak, bytes / bandwidth) (Fu 2024), not predictions; the precision changes bytes, not the peak.
            </p>
          ) : null}
          {ready.map((r) => (r.error ? <p key={r.name} className="notice">{r.name}: {r.error}</p> : null))}
          {settings && columns.some(Boolean) ? (
            <>
              <table className="serving-table" data-testid="serving-table" aria-label={`Serving projection at context ${L}`}>
                <thead>
                  <tr>
                    <th scope="col">at L = {L.toLocaleString('en')}, batch {batch}</th>
                    {ready.map((r) => (
                      <th key={r.name} scope="col">
                        {r.name}
                        {r.m ? `: ${r.m.name}` : ' (computing…)'}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {ROWS.map((row) => (
                    <tr key={row.key} data-row={row.key}>
                      <th scope="row" title={row.title}>
                        {row.label}
                      </th>
                      {ready.map((r, i) => {
                        const c = columns[i];
                        return (
                          <td key={r.name} data-model={r.name} data-testid={`serving-${row.key}-${r.name.toLowerCase()}`} data-value={c ? rowValue(row.key, c) : ''}>
                            {c && r.m ? row.value(c, r.m) : '…'}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
              {ready.map((r) => (r.m ? <Notes key={r.name} name={r.name} m={r.m} /> : null))}
              <ServingChart models={ready.flatMap((r) => (r.m ? [{ name: r.name, m: r.m }] : []))} settings={settings} L={L} />
            </>
          ) : (
            <p className="hint">Computing the projection…</p>
          )}
          {answerA ? <ServingCheck answer={answerA} figure={figure} sweep={sweep} spec={spec} decoded={decoded} /> : null}
        </>
      )}
    </section>
  );
}

/** The number behind a table cell, for tests. */
function rowValue(key: string, c: ReturnType<typeof column>): string {
  const p = c.point;
  const v: Record<string, number | null> = {
    'state-per-token': p.stateBytesPerToken,
    'state-constant': p.constantStateBytes,
    state: p.stateBytes,
    weights: p.weightsBytes,
    memory: p.memoryBytes,
    'prefill-flops': p.prefillFlops,
    'prefill-bound': p.prefill.boundS,
    'decode-flops': p.decodeFlops,
    'decode-bytes': p.decodeBytes,
    'decode-bound': p.decode?.boundS ?? null,
    longest: c.longest,
  };
  const x = v[key];
  return x === null || x === undefined ? '' : String(x);
}
