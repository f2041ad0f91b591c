/**
 * The results table: one row per (variant, sweep value), and per measure its mean over the seeds,
 * ± the standard deviation and [min–max], from the runner's summary (summarize). The runs column
 * says how many of the row's seeds have finished, and marks the diverged ones: their values count
 * (a diverged run's accuracy is part of the result), but the reader should know.
 */
import type { ExperimentResult, SummaryRow } from '../../spec/experiment';
import { formatSpread, formatValue, measureName, showOf } from './results';

export function ResultsTable({ result, rows }: { result: ExperimentResult; rows: readonly SummaryRow[] }) {
  const { measures, seeds } = result.experiment;
  return (
    <div className="experiment-table-wrap">
      <table className="experiment-results" data-testid="experiment-results">
        <caption>
          Mean over seeds ± standard deviation [lowest–highest]; {seeds.length} seed{seeds.length === 1 ? '' : 's'} a row
        </caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Runs</th>
            {measures.map((m, k) => (
              <th scope="col" key={k}>
                {measureName(m)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.variant}:${row.sweep}`} data-testid="experiment-row" data-label={row.label} data-runs={row.runs} data-diverged={row.diverged}>
              <th scope="row">{row.label}</th>
              <td className="experiment-runs">
                {row.runs} of {seeds.length}
                {row.diverged ? (
                  <span className="experiment-diverged" title="Runs whose loss stopped being a number; their values up to then count">
                    {' '}
                    ({row.diverged} diverged)
                  </span>
                ) : null}
              </td>
              {measures.map((m, k) => {
                const s = row.measures[k];
                const show = showOf(m);
                if (!s) return <td key={k} data-measure={k}>—</td>;
                return (
                  <td key={k} data-measure={k} data-mean={s.mean} data-sd={s.sd} data-min={s.min} data-max={s.max} data-n={s.n}>
                    <span className="experiment-mean">{formatValue(s.mean, show)}</span>
                    {s.n > 1 ? <span className="experiment-sd"> ± {formatSpread(s.sd, show)}</span> : null}
                    {s.n > 1 ? (
                      <span className="experiment-range">
                        {' '}
                        [{formatValue(s.min, show)}–{formatValue(s.max, show)}]
                      </span>
                    ) : null}
                    {s.n < row.runs ? <span className="hint"> ({s.n} with a value)</span> : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
