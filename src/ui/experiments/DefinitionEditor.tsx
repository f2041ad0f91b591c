/**
 * The experiment's definition as a form: title and question, the variants (a preset, or a snapshot
 * of model A or B as they are now), an optional sweep of one parameter, the seeds, what to measure,
 * and the recipe (taken from the Train panel). Each field is checked as it is typed (definition.ts)
 * and the whole definition is applied only when every part is good (`apply`: the store's
 * setDefinition, which checks it once more with readExperiment); a refused edit stays in its field
 * with the reason next to it, and the definition on screen and in the store is unchanged.
 */
import { useState } from 'react';
import { PRESETS } from '../../presets';
import { HEAD_STATS, type Experiment, type HeadStat, type Measure, type Variant } from '../../spec/experiment';
import type { Recipe } from '../../spec/recipe';
import type { Spec } from '../../spec/types';
import { CheckedField, type Check } from './CheckedField';
import {
  checkPath,
  EDITOR_LIMITS,
  freshLabel,
  HEAD_STAT_WORDS,
  kindOf,
  labelProblem,
  listItems,
  modelWords,
  newMeasure,
  parseWhole,
  parseSeeds,
  parseSweepValues,
  parseTaskParams,
  PLAIN_MEASURES,
  recipeLine,
  runCount,
  sizeProblem,
  SWEEP_PATHS,
  togglePlain,
  type ParamKind,
  type Parsed,
  type PlainKind,
} from './definition';
import { measureName } from './results';

export interface DefinitionEditorProps {
  definition: Experiment;
  /** Applies a definition (the store's setDefinition); false when refused (the store's notice says why). */
  apply: (e: Experiment) => boolean;
  /** A check of the whole definition before it is applied (readExperiment's errors as one sentence), or null when it is good. */
  check?: (e: Experiment) => string | null;
  /** A starting definition from the models on screen (the store's fromModels). */
  fromModels: () => Experiment;
  modelA: Spec;
  modelB: Spec | null;
  /** The Train panel's recipe. */
  trainRecipe: Recipe;
  /** While an experiment runs, the definition stays as it is. */
  disabled: boolean;
}

const PLAIN_WORDS: Record<PlainKind, string> = {
  accuracy: 'held-out accuracy',
  loss: 'held-out loss',
  trainLoss: 'training loss (last tenth of the steps)',
  lossSpike: 'largest loss spike',
  diverged: 'diverged (1 when the loss stopped being a number)',
};
const PARAM_WORDS: Record<ParamKind, string> = {
  stepsTo: 'steps to an accuracy',
  accuracyAt: 'accuracy at another length',
  head: 'a head statistic',
  residual: 'residual RMS',
};
const CUSTOM_PATH = '';

const text = (s: string): Parsed<string> => ({ ok: true, value: s });
const joinList = (v: readonly unknown[]) => v.map(String).join(', ');

export function DefinitionEditor(props: DefinitionEditorProps) {
  const { definition: e, apply, check, fromModels, modelA, modelB, trainRecipe, disabled } = props;
  const [message, setMessage] = useState<string | null>(null);

  /** Applies `next` when it is good as a whole; else says why and keeps the definition. */
  const commit = (next: Experiment): Check => {
    const problem = sizeProblem(next) ?? check?.(next) ?? null;
    if (problem) return { ok: false, reason: problem };
    return apply(next) ? { ok: true } : { ok: false, reason: 'The panel refused this definition (the notice above says why); the previous one is kept.' };
  };
  /** A button's edit: its refusal goes in the editor's message line. */
  const act = (next: Experiment) => {
    const r = commit(next);
    setMessage(r.ok ? null : r.reason);
  };

  const labels = e.variants.map((v) => v.label);
  const setVariant = (i: number, v: Variant) => commit({ ...e, variants: e.variants.map((w, j) => (j === i ? v : w)) });
  const addVariant = (base: string, model: Variant['model']) => act({ ...e, variants: [...e.variants, { label: freshLabel(base, labels), model }] });

  const sweepOn = !!e.sweep;
  const sweepPath = e.sweep?.path ?? 'dModel';
  const listed = SWEEP_PATHS.some((p) => p.path === sweepPath);
  const [pathChoice, setPathChoice] = useState<string>(listed ? sweepPath : CUSTOM_PATH);
  const [freePath, setFreePath] = useState<string>(listed ? '' : sweepPath);
  const [sweepText, setSweepText] = useState<string>(e.sweep ? joinList(e.sweep.values) : '');
  const [sweepError, setSweepError] = useState<string | null>(null);
  const [shownSweep, setShownSweep] = useState(() => JSON.stringify(e.sweep ?? null));
  if (shownSweep !== JSON.stringify(e.sweep ?? null)) {
    // The sweep changed from elsewhere (a lesson, Start from my models): show it, unless the fields already say it.
    setShownSweep(JSON.stringify(e.sweep ?? null));
    const path = pathChoice === CUSTOM_PATH ? freePath : pathChoice;
    const typed = parseSweepValues(sweepText, path);
    if (e.sweep && !(path === e.sweep.path && typed.ok && JSON.stringify(typed.value) === JSON.stringify(e.sweep.values))) {
      const isListed = SWEEP_PATHS.some((p) => p.path === e.sweep!.path);
      setPathChoice(isListed ? e.sweep.path : CUSTOM_PATH);
      setFreePath(isListed ? '' : e.sweep.path);
      setSweepText(joinList(e.sweep.values));
      setSweepError(null);
    }
  }

  /** Applies the sweep the fields describe (path and values), or says what is wrong with it. */
  const proposeSweep = (path: string, values: string) => {
    setSweepText(values);
    const p = checkPath(path);
    if (!p.ok) return setSweepError(p.reason);
    const v = parseSweepValues(values, p.value);
    if (!v.ok) return setSweepError(v.reason);
    const r = commit({ ...e, sweep: { path: p.value, values: v.value } });
    setSweepError(r.ok ? null : r.reason);
  };
  const chosenPath = pathChoice === CUSTOM_PATH ? freePath : pathChoice;

  const plainOn = (k: PlainKind) => e.measures.some((m) => m.kind === k);
  const setMeasure = (i: number, m: Measure) => commit({ ...e, measures: e.measures.map((n, j) => (j === i ? m : n)) });

  return (
    <fieldset className="experiment-editor" disabled={disabled} data-testid="experiment-editor">
      <div className="experiment-editor-row">
        <button type="button" onClick={() => act(fromModels())} data-testid="experiment-from-models" title="Model A (and B in compare mode) with the Train panel's recipe, seeds 1 and 2, accuracy and loss">
          Start from my models
        </button>
        <span className="hint" data-testid="experiment-run-count">
          {runCount(e)} run{runCount(e) === 1 ? '' : 's'} of {e.recipe.steps.toLocaleString('en-US')} steps (at most {EDITOR_LIMITS.runs})
        </span>
      </div>
      {message ? (
        <p className="field-error" role="alert" data-testid="experiment-editor-message">
          {message}
        </p>
      ) : null}

      <div className="experiment-fields">
        <CheckedField
          label="Title"
          value={e.title}
          format={(s) => s}
          parse={(s) => (s.trim() ? text(s) : { ok: false, reason: 'Title: an experiment needs a title' })}
          commit={(title) => commit({ ...e, title })}
          testId="experiment-title-field"
          wide
        />
        <CheckedField
          label="Question (optional)"
          value={e.question ?? ''}
          format={(s) => s}
          parse={text}
          commit={(q) => {
            const { question: _q, ...rest } = e;
            return commit(q.trim() ? { ...rest, question: q } : rest);
          }}
          testId="experiment-question-field"
          wide
        />
      </div>

      <section className="experiment-section" aria-label="Variants">
        <h3>Variants</h3>
        <ol className="experiment-variants">
          {e.variants.map((v, i) => (
            <li key={i} data-testid="experiment-variant" data-label={v.label}>
              <CheckedField
                label={`Variant ${i + 1}`}
                value={v.label}
                format={(s) => s}
                parse={(s) => {
                  const p = labelProblem(s, labels.filter((_, j) => j !== i));
                  return p ? { ok: false, reason: p } : text(s.trim());
                }}
                commit={(label) => setVariant(i, { ...v, label })}
                testId={`experiment-variant-label-${i}`}
              />
              <span className="hint">
                {modelWords(v)}
                {v.recipe && Object.keys(v.recipe).length ? `; recipe changes: ${Object.entries(v.recipe).map(([k, x]) => `${k} ${JSON.stringify(x)}`).join(', ')}` : ''}
              </span>
              <button type="button" onClick={() => act({ ...e, variants: e.variants.filter((_, j) => j !== i) })} data-testid={`experiment-variant-remove-${i}`} aria-label={`Remove variant ${v.label}`}>
                Remove
              </button>
            </li>
          ))}
        </ol>
        <div className="experiment-editor-row">
          <label>
            Add preset{' '}
            <select
              value=""
              data-testid="experiment-add-preset"
              onChange={(ev) => {
                const p = PRESETS.find((x) => x.id === ev.target.value);
                if (p) addVariant(p.title, p.id);
              }}
            >
              <option value="">choose a preset…</option>
              {PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => addVariant('model A', structuredClone(modelA))} data-testid="experiment-add-a" title="A snapshot of model A as it is now: later edits of model A do not change it">
            Add model A
          </button>
          {modelB ? (
            <button type="button" onClick={() => addVariant('model B', structuredClone(modelB))} data-testid="experiment-add-b" title="A snapshot of model B as it is now">
              Add model B
            </button>
          ) : null}
        </div>
      </section>

      <section className="experiment-section" aria-label="Sweep">
        <h3>
          <label>
            <input
              type="checkbox"
              checked={sweepOn}
              data-testid="experiment-sweep-on"
              onChange={(ev) => {
                if (ev.target.checked) return proposeSweep(chosenPath, sweepText);
                const { sweep: _s, ...rest } = e;
                setSweepError(null);
                act(rest);
              }}
            />{' '}
            Sweep one parameter over values (crossed with every variant)
          </label>
        </h3>
        <div className="experiment-fields">
          <label className="field">
            Parameter
            <select
              value={pathChoice}
              data-testid="experiment-sweep-path"
              onChange={(ev) => {
                setPathChoice(ev.target.value);
                if (sweepOn || sweepText.trim()) proposeSweep(ev.target.value === CUSTOM_PATH ? freePath : ev.target.value, sweepText);
              }}
            >
              {SWEEP_PATHS.map((p) => (
                <option key={p.path} value={p.path}>
                  {p.label} ({p.path})
                </option>
              ))}
              <option value={CUSTOM_PATH}>another path, typed…</option>
            </select>
          </label>
          {pathChoice === CUSTOM_PATH ? (
            <label className="field">
              Path
              <input
                type="text"
                value={freePath}
                spellCheck={false}
                placeholder="layers.*.mixer.params.kvHeads"
                data-testid="experiment-sweep-free-path"
                onChange={(ev) => {
                  setFreePath(ev.target.value);
                  proposeSweep(ev.target.value, sweepText);
                }}
              />
            </label>
          ) : null}
          <label className="field wide">
            Values (comma-separated)
            <input
              type="text"
              value={sweepText}
              spellCheck={false}
              placeholder={valuesHint(chosenPath)}
              aria-invalid={sweepError ? true : undefined}
              data-testid="experiment-sweep-values"
              onChange={(ev) => proposeSweep(chosenPath, ev.target.value)}
            />
          </label>
        </div>
        {sweepError ? (
          <span className="field-error" role="alert" data-testid="experiment-sweep-error">
            {sweepError}
          </span>
        ) : (
          <span className="hint">{sweepOn ? `${e.sweep!.values.length} value${e.sweep!.values.length === 1 ? '' : 's'} of ${e.sweep!.path}; ` : ''}{valuesHint(chosenPath)}</span>
        )}
      </section>

      <section className="experiment-section" aria-label="Seeds and recipe">
        <h3>Seeds and recipe</h3>
        <CheckedField
          label="Seeds (comma-separated)"
          value={e.seeds}
          format={joinList}
          parse={parseSeeds}
          commit={(seeds) => commit({ ...e, seeds })}
          testId="experiment-seeds"
          hint={`each run is trained once per seed (initial weights and batch order); at most ${EDITOR_LIMITS.seeds}`}
        />
        <p className="experiment-recipe" data-testid="experiment-recipe">
          Recipe: {recipeLine(e.recipe)}{' '}
          <button type="button" onClick={() => act({ ...e, recipe: structuredClone(trainRecipe) })} data-testid="experiment-use-train-recipe" title={`The Train panel's recipe: ${recipeLine(trainRecipe)}`}>
            Use the Train panel's recipe
          </button>
        </p>
      </section>

      <section className="experiment-section" aria-label="Measures">
        <h3>What to measure on each trained model</h3>
        <div className="experiment-checks">
          {PLAIN_MEASURES.map((k) => (
            <label key={k}>
              <input type="checkbox" checked={plainOn(k)} data-testid={`experiment-measure-${k}`} onChange={(ev) => act(togglePlain(e, k, ev.target.checked))} /> {PLAIN_WORDS[k]}
            </label>
          ))}
        </div>
        <ul className="experiment-measures">
          {e.measures.map((m, i) =>
            m.kind === 'stepsTo' || m.kind === 'accuracyAt' || m.kind === 'head' || m.kind === 'residual' ? (
              <li key={i} data-testid="experiment-measure" data-kind={m.kind}>
                <span className="experiment-measure-name">{measureName(m)}</span>
                <MeasureFields m={m} set={(n) => setMeasure(i, n)} i={i} />
                <button type="button" onClick={() => act({ ...e, measures: e.measures.filter((_, j) => j !== i) })} aria-label={`Remove ${measureName(m)}`} data-testid={`experiment-measure-remove-${i}`}>
                  Remove
                </button>
              </li>
            ) : null,
          )}
        </ul>
        <label>
          Add a measure{' '}
          <select value="" data-testid="experiment-add-measure" onChange={(ev) => ev.target.value && act({ ...e, measures: [...e.measures, newMeasure(ev.target.value as ParamKind, e.recipe)] })}>
            <option value="">choose…</option>
            {(Object.keys(PARAM_WORDS) as ParamKind[]).map((k) => (
              <option key={k} value={k}>
                {PARAM_WORDS[k]}
              </option>
            ))}
          </select>
        </label>
      </section>
    </fieldset>
  );
}

/** What the values of `path` may be, in words. */
function valuesHint(path: string): string {
  const k = kindOf(path);
  switch (k.type) {
    case 'int':
      return `whole numbers from ${k.min} to ${k.max}, e.g. 32, 64`;
    case 'number':
      return `numbers from ${k.min} to ${k.max}, e.g. 0.001, 0.01`;
    case 'boolean':
      return 'true, false';
    case 'enum':
      return k.options.join(', ');
    case 'any':
      return 'numbers, true/false or words; the runner checks the model each makes';
  }
}

/** The parameters of one measure, each checked as typed. */
function MeasureFields({ m, set, i }: { m: Extract<Measure, { kind: ParamKind }>; set: (m: Measure) => Check; i: number }) {
  const id = `experiment-measure-${i}`;
  const intField = (label: string, value: number, min: number, max: number, to: (n: number) => Measure, suffix: string) => (
    <CheckedField label={label} value={value} format={String} parse={(s) => parseWhole(s, label, min, max)} commit={(n) => set(to(n))} testId={`${id}-${suffix}`} />
  );
  switch (m.kind) {
    case 'stepsTo':
      return (
        <CheckedField
          label="Accuracy (0 to 1)"
          value={m.accuracy}
          format={String}
          parse={(s) => {
            const v = Number(s);
            return s.trim() !== '' && v > 0 && v <= 1 ? { ok: true, value: v } : { ok: false, reason: `Accuracy: a share above 0 and at most 1, such as 0.9; got "${s}"` };
          }}
          commit={(accuracy) => set({ ...m, accuracy })}
          testId={`${id}-accuracy`}
        />
      );
    case 'accuracyAt':
      return (
        <>
          {intField('T', m.T, 1, 8192, (T) => ({ ...m, T }), 'T')}
          <CheckedField
            label="Task parameters (JSON, optional)"
            value={m.taskParams}
            format={(v) => (v ? JSON.stringify(v) : '')}
            parse={parseTaskParams}
            commit={(taskParams) => {
              const { taskParams: _t, ...rest } = m;
              return set(taskParams ? { ...rest, taskParams } : rest);
            }}
            testId={`${id}-params`}
            hint="e.g. longer strings for copy at 2×"
          />
        </>
      );
    case 'head':
      return (
        <>
          <label className="field">
            Statistic
            <select value={m.stat} onChange={(ev) => set({ ...m, stat: ev.target.value as HeadStat })} data-testid={`${id}-stat`}>
              {HEAD_STATS.map((s) => (
                <option key={s} value={s}>
                  {HEAD_STAT_WORDS[s]}
                </option>
              ))}
            </select>
          </label>
          {intField('Layer run', m.layer, 0, 47, (layer) => ({ ...m, layer }), 'layer')}
          <CheckedField
            label="Head (empty: the extreme one)"
            value={m.head}
            format={(h) => (h === undefined ? '' : String(h))}
            parse={(s): Parsed<number | undefined> => (listItems(s).length === 0 ? { ok: true, value: undefined } : parseWhole(s, 'Head', 0, 63))}
            commit={(head) => {
              const { head: _h, ...rest } = m;
              return set(head === undefined ? rest : { ...rest, head });
            }}
            testId={`${id}-head`}
          />
        </>
      );
    case 'residual':
      return intField('After layer run (0: embeddings, −1: last)', m.after, -1, 48, (after) => ({ ...m, after }), 'after');
  }
}
