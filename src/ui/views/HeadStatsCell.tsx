/**
 * One head's statistics under its thumbnail in the head grid: previous-token, induction, sink,
 * distance and entropy (headStatsInfo.ts says what each is), and a role badge when one of them
 * clearly dominates. Each number carries its meaning as a tooltip, its full name for screen
 * readers, and its exact value in data-value (tests read that, never the rounded text).
 */
import { formatStat, HEAD_STAT_INFO, HEAD_STATS, headRole, ROLE_MEANING, type HeadStatValues } from './headStatsInfo';
import './headStats.css';

export function HeadStatsCell({ layer, head, values }: { layer: number; head: number; values: HeadStatValues }) {
  const role = headRole(values);
  return (
    <div className="head-stats" data-testid={`head-stats-${layer}-${head}`} data-role={role ?? ''}>
      <span className="visually-hidden">
        Layer {layer}, head {head}:
      </span>
      {role ? (
        <span className={`head-role head-role-${role}`} data-testid={`head-role-${layer}-${head}`} title={ROLE_MEANING[role]}>
          <span className="visually-hidden">role: </span>
          {role}
        </span>
      ) : null}
      <dl>
        {HEAD_STATS.map((stat) => {
          const info = HEAD_STAT_INFO[stat];
          const v = values[stat];
          return (
            <div key={stat} className="head-stat" title={info.meaning} data-testid={`head-stat-${layer}-${head}-${stat}`} data-value={v === null ? '' : String(v)}>
              <dt>
                <span aria-hidden="true">{info.short}</span>
                <span className="visually-hidden">{info.name}</span>
              </dt>
              <dd>{v === null ? <span aria-label="none">–</span> : formatStat(stat, v)}</dd>
            </div>
          );
        })}
      </dl>
    </div>
  );
}
