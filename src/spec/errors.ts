/**
 * The names of the errors a request to a worker can end with: one list, read by the worker that
 * throws them and the page that tells them apart. Comlink carries an Error's name and message
 * across the worker boundary, not its class, so the page matches on these names.
 */
export const ERROR = {
  /** Overtaken by a newer request for the same model slot: dropped, never shown. */
  Superseded: 'Superseded',
  /** Refused before compiling: the model would need more memory than the budget. */
  BudgetError: 'BudgetError',
  /** Refused before compiling a training step: weights, gradients, moments and activations would need more memory than the budget. */
  TrainingBudgetError: 'TrainingBudgetError',
  /** A training task's parameters, length or text are not allowed (src/train/tasks/define.ts). */
  TaskError: 'TaskError',
  /** The spec does not compile (a shape or a cross-field check failed). */
  SpecError: 'SpecError',
  /** The worker's runtime ran out of memory or aborted: the worker is replaced. */
  RuntimeBroken: 'RuntimeBroken',
  /** An opened ONNX file was refused (src/opened/read.ts), or its inputs could not be built: one sentence says why. */
  OpenError: 'OpenError',
  /** The worker holds no opened model under the request's key (it was restarted): the page sends the file again. */
  NotOpened: 'NotOpened',
  /** The worker ended before answering. */
  WorkerLost: 'WorkerLost',
} as const;

export type ErrorName = (typeof ERROR)[keyof typeof ERROR];

/** Errors about the request, not the worker: never retried on another backend, never a reason to restart one. */
export const REQUEST_ERRORS: ReadonlySet<string> = new Set<ErrorName>([ERROR.Superseded, ERROR.BudgetError, ERROR.TrainingBudgetError, ERROR.TaskError, ERROR.SpecError, ERROR.OpenError, ERROR.NotOpened]);

/** The name and message of anything thrown. */
export function errorParts(e: unknown): { name: string; message: string } {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** Whether `e` is the error named `name`. */
export const isError = (e: unknown, name: ErrorName): boolean => errorParts(e).name === name;
