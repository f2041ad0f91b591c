/**
 * The task to train on (src/train/tasks/registry.ts): its title, the paragraph that says what it
 * asks of the model and where it comes from, its parameters as fields (from the task's schema,
 * each checked with the task's own parse), and the text for a task that trains on one.
 */
import { useId } from 'react';
import type { Recipe } from '../../train/run';
import { findTask, TASKS } from '../../train/tasks/registry';
import { ParamControl, SelectField } from '../editor/fields';
import { useApp } from '../useApp';
import { wantsText } from './recipeChecks';

export function TaskPicker({ recipe, disabled }: { recipe: Recipe; disabled: boolean }) {
  const actions = useApp((s) => s.trainingActions);
  const maxLen = useApp((s) => s.spec.maxLen);
  const pageText = useApp((s) => s.text);
  const task = findTask(recipe.task) ?? TASKS[0]!;
  const text = recipe.text ?? pageText;
  const needsText = wantsText(task, recipe.taskParams);

  /** A parameter's new value, checked by the task; T grows to what the parameters need (within the model). */
  const commitParam = (name: string) => (value: unknown) => {
    const params = { ...recipe.taskParams, [name]: value };
    const r = task.parse(params, wantsText(task, params) ? text : undefined);
    if (!r.ok) return { ok: false as const, reason: r.message };
    let T = recipe.T;
    try {
      T = Math.max(T, Math.min(maxLen, task.minT(params, wantsText(task, params) ? text : undefined)));
    } catch {
      // parse accepted them: minT takes the same parameters
    }
    actions.setRecipe({ taskParams: params, T });
    return { ok: true as const };
  };

  return (
    <fieldset className="train-task" disabled={disabled}>
      <legend>Task</legend>
      <SelectField
        label="Task"
        value={task.kind}
        options={TASKS.map((t) => ({ value: t.kind, label: t.title }))}
        testId="train-task"
        commit={(kind) => {
          actions.setRecipe({ task: String(kind) });
          return { ok: true };
        }}
      />
      <p className="train-task-text" data-testid="train-task-explanation">
        {task.explanation}
      </p>
      <p className="hint" data-testid="train-task-source">
        Source: {task.source}
      </p>
      <div className="train-fields">
        {Object.entries(task.paramInfo).map(([name, info]) => (
          <ParamControl key={`${task.kind}.${name}`} name={name} info={info} value={recipe.taskParams[name] ?? task.defaults[name]} commit={commitParam(name)} testId={`train-param-${name}`} />
        ))}
      </div>
      {needsText ? <TrainText text={text} /> : null}
    </fieldset>
  );
}

/** The text a task trains on: the page's text until the person writes another here. */
function TrainText({ text }: { text: string }) {
  const id = useId();
  const actions = useApp((s) => s.trainingActions);
  return (
    <div className="field train-text">
      <label htmlFor={id}>Text to train on (the page's text unless changed here)</label>
      <textarea
        id={id}
        rows={3}
        value={text}
        data-testid="train-text"
        onChange={(e) => actions.setRecipe({ text: e.target.value })}
      />
    </div>
  );
}
