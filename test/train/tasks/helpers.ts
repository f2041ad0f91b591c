/**
 * Test helpers for the toy tasks: a decoder written from the vocabulary's definition (id 0 ⟨unk⟩,
 * id 1 newline, ids 2… the printable ASCII characters from space), the checks every task must
 * pass, and a runner that compares a task's scored positions with an independent solver's.
 */
import { expect } from 'vitest';
import type { Batch, GenerateOptions, Task } from '../../../src/train/tasks/define';

/** The character of a token id, from the vocabulary's definition (⟨unk⟩ as '?'). */
export function charOf(id: number): string {
  if (id === 0) return '?';
  if (id === 1) return '\n';
  if (id >= 2 && id < 97) return String.fromCharCode(30 + id);
  throw new Error(`token id ${id} is outside the vocabulary`);
}

/** One row of a batch: its T + 1 characters (tokens, then the last target) and its scored positions. */
export interface Row {
  text: string;
  tokens: number[];
  targets: number[];
  /** Positions t with lossMask 1, ascending. */
  scored: number[];
}

export function rows(b: Batch): Row[] {
  return Array.from({ length: b.B }, (_, r) => {
    const tokens = Array.from(b.tokens.subarray(r * b.T, (r + 1) * b.T));
    const targets = Array.from(b.targets.subarray(r * b.T, (r + 1) * b.T));
    const mask = Array.from(b.lossMask.subarray(r * b.T, (r + 1) * b.T));
    return {
      text: [...tokens, targets[b.T - 1]!].map(charOf).join(''),
      tokens,
      targets,
      scored: mask.flatMap((m, t) => (m === 1 ? [t] : [])),
    };
  });
}

/** A solver reads a row's text (its prompt) and returns the answer it expects at each scored position t
 *  (the character at text[t + 1]), or throws when the row breaks the task's definition. */
export type Solver = (text: string) => Map<number, string>;

/** Checks every row of a batch against the solver: same scored positions, right answers. */
export function expectSolved(b: Batch, solve: Solver, what: string): void {
  for (const [r, row] of rows(b).entries()) {
    const want = solve(row.text);
    expect(row.scored, `${what} row ${r} "${row.text}": scored positions`).toEqual([...want.keys()].sort((x, y) => x - y));
    for (const [t, c] of want) expect(charOf(row.targets[t]!), `${what} row ${r} "${row.text}" at ${t}`).toBe(c);
  }
}

/** The problem a row poses: its text with the scored characters blanked. */
export function problemOf(row: Row): string {
  const chars = Array.from(row.text);
  for (const t of row.scored) chars[t + 1] = '#';
  return chars.join('');
}

/** The checks every task passes with these parameters at length T (and text). */
export function expectWellFormed(task: Task, params: Record<string, unknown>, T: number, text?: string): void {
  const opts = (seed: number, batch = 6): GenerateOptions => ({ batch, T, seed, ...(text !== undefined ? { text } : {}) });
  const a = task.generate(params, opts(7));
  // Shapes and value ranges.
  expect([a.B, a.T]).toEqual([6, T]);
  for (const arr of [a.tokens, a.targets, a.lossMask]) expect(arr.length).toBe(6 * T);
  for (const id of [...a.tokens, ...a.targets]) expect(id >= 0 && id < 97 && Number.isInteger(id)).toBe(true);
  for (const m of a.lossMask) expect(m === 0 || m === 1).toBe(true);
  // Targets are the tokens shifted left by one; every row scores something.
  for (const row of rows(a)) {
    for (let t = 0; t + 1 < T; t++) expect(row.targets[t]).toBe(row.tokens[t + 1]);
    expect(row.scored.length).toBeGreaterThan(0);
  }
  // Deterministic: the same seed gives the same arrays; another seed other ones.
  const again = task.generate(params, opts(7));
  expect(again.tokens).toEqual(a.tokens);
  expect(again.targets).toEqual(a.targets);
  expect(again.lossMask).toEqual(a.lossMask);
  expect(task.generate(params, opts(8)).tokens).not.toEqual(a.tokens);
  // Row r depends on (seed, r) only: a smaller batch is a prefix of a larger one.
  const small = task.generate(params, opts(7, 2));
  expect(small.tokens).toEqual(a.tokens.subarray(0, 2 * T));
  // The held-out set is fixed, and its rows are not the training rows.
  const h1 = task.heldOut(params, T, text);
  const h2 = task.heldOut(params, T, text);
  expect(h2.tokens).toEqual(h1.tokens);
  expect(h2.lossMask).toEqual(h1.lossMask);
  expect(h1.B).toBeGreaterThan(0);
  expect(h1.B).toBeLessThanOrEqual(256);
  expect(h1.tokens.subarray(0, 6 * T)).not.toEqual(a.tokens);
}

/** With a disjoint split, no held-out problem occurs in `batches` training batches of 256 rows. */
export function expectDisjoint(task: Task, params: Record<string, unknown>, T: number, batches = 8, text?: string): void {
  const held = task.heldOut(params, T, text);
  expect(held.disjoint).toBe(true);
  const heldProblems = new Set(rows(held).map(problemOf));
  for (let s = 0; s < batches; s++) {
    const b = task.generate(params, { batch: 256, T, seed: 1000 + s, ...(text !== undefined ? { text } : {}) });
    for (const row of rows(b)) expect(heldProblems.has(problemOf(row)), `training row "${row.text}" is a held-out problem`).toBe(false);
  }
}
