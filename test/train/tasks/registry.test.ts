// The task registry: every task declares what the UI and the docs need, has its own test file (or a row in
// transduction.test.ts's table), and
// refuses bad input with a message naming the parameter and its range.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TASKS, findTask } from '../../../src/train/tasks/registry';

describe('the task registry', () => {
  it('holds at least the tasks of issue 16, each once', () => {
    const kinds = TASKS.map((t) => t.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const k of ['copy', 'reverse', 'sort', 'induction', 'mqar', 'modAdd', 'charLM']) expect(findTask(k)?.kind).toBe(k);
    expect(findTask('nope')).toBeUndefined();
  });

  it.each(TASKS.map((t) => [t.kind, t] as const))('%s declares title, source, explanation and parameters, and has a test file', (kind, t) => {
    expect(t.title.length).toBeGreaterThan(2);
    expect(t.source.length).toBeGreaterThan(10);
    expect(t.explanation.length).toBeGreaterThan(100);
    expect(Object.keys(t.paramInfo)).toEqual(Object.keys(t.defaults));
    expect(t.parse({})).toEqual({ ok: true, params: t.defaults });
    // Its own test file, or a row of the table that tests copy, reverse and sort together.
    const tabled = readFileSync('test/train/tasks/transduction.test.ts', 'utf8').includes(`{ task: ${kind}, answer:`);
    expect(existsSync(`test/train/tasks/${kind}.test.ts`) || tabled, `test/train/tasks/${kind}.test.ts`).toBe(true);
  });

  it.each(TASKS.map((t) => [t.kind, t] as const))('%s generates at its defaults, at the shortest T it says it needs', (_kind, t) => {
    const T = t.minT();
    const b = t.generate({}, { batch: 2, T, seed: 1 });
    expect(b.tokens.length).toBe(2 * T);
    if (T > 1) expect(t.check({}, T - 1)).toMatch(new RegExp(`T = ${T - 1} is too short; these parameters need T ≥ ${T}`));
  });

  it.each(TASKS.map((t) => [t.kind, t] as const))('%s refuses each parameter out of range, naming it and its range', (_kind, t) => {
    for (const [name, info] of Object.entries(t.paramInfo)) {
      const bad = info.type === 'int' || info.type === 'number' ? info.max + 1 : info.type === 'enum' ? 'no-such-option' : 'yes';
      const msg = t.check({ [name]: bad }, 64);
      expect(msg, name).toContain(`${t.title}: parameter "${name}" must be`);
      if (info.type === 'int' || info.type === 'number') expect(msg).toContain(`from ${info.min} to ${info.max}`);
      expect(() => t.generate({ [name]: bad }, { batch: 1, T: 64, seed: 0 })).toThrow(msg!);
    }
    expect(t.check({ noSuchParameter: 1 }, 64)).toMatch(/unknown parameter "noSuchParameter"/);
    expect(t.check('copy', 64)).toMatch(/parameters must be an object/);
  });
});
