/** Every toy task the trainer knows, one line each. */
import type { Task } from './define';
import charLM from './charLM';
import copy from './copy';
import induction from './induction';
import modAdd from './modAdd';
import mqar from './mqar';
import reverse from './reverse';
import sort from './sort';

export const TASKS: readonly Task[] = [copy, reverse, sort, induction, mqar, modAdd, charLM];

/** The task registered as `kind`, or undefined. */
export function findTask(kind: string): Task | undefined {
  return TASKS.find((t) => t.kind === kind);
}
