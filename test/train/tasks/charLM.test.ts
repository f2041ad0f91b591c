// Character-level LM: windows of T + 1 characters of a text, every next character scored; training
// windows from the first 90% of the text, held-out windows from the last 10%. The solver finds each
// window in the text, read independently here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import charLM from '../../../src/train/tasks/charLM';
import { CORPORA } from '../../../src/train/tasks/corpora';
import { expectWellFormed, rows } from './helpers';

/** Where `window` occurs in `text`, every occurrence. */
function occurrences(text: string, window: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(window); i >= 0; i = text.indexOf(window, i + 1)) at.push(i);
  return at;
}

/** The first character of a text's held-out last tenth. */
const cut = (n: number) => n - Math.max(1, Math.floor(n / 10));

describe('charLM', () => {
  it('bundles texts made only of vocabulary characters, long enough for T = 128', () => {
    for (const [name, c] of Object.entries(CORPORA)) {
      expect(c.text, name).toMatch(/^[\n\x20-\x7e]+$/);
      expect(c.text.length - cut(c.text.length), name).toBeGreaterThan(129);
      expect(charLM.check({ corpus: name }, 128)).toBeNull();
    }
  });

  it('lists every bundled text in docs/tasks.md', () => {
    const doc = readFileSync('docs/tasks.md', 'utf8');
    for (const [name, c] of Object.entries(CORPORA)) expect(doc).toContain(`| \`${name}\` | ${c.title} |`);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(charLM, {}, 64);
    expectWellFormed(charLM, { corpus: 'custom' }, 8, 'the quick brown fox jumps over the lazy dog. '.repeat(4));
  });

  it('scores every position, and the windows are the text', () => {
    for (const [name, { text }] of Object.entries(CORPORA)) {
      const T = 48;
      const b = charLM.generate({ corpus: name }, { batch: 32, T, seed: 5 });
      for (const row of rows(b)) {
        expect(row.scored).toEqual(Array.from({ length: T }, (_, t) => t));
        const at = occurrences(text, row.text);
        expect(at.length, `"${row.text}" is not in ${name}`).toBeGreaterThan(0);
        expect(at.some((i) => i + T + 1 <= cut(text.length)), `"${row.text}" is not in the training part`).toBe(true);
      }
      const held = charLM.heldOut({ corpus: name }, T);
      expect(held.B).toBe(256);
      expect(held.disjoint).toBe(true);
      for (const row of rows(held)) {
        expect(row.scored.length).toBe(T);
        expect(occurrences(text, row.text).some((i) => i >= cut(text.length)), `"${row.text}" is not in the held-out tenth`).toBe(true);
      }
    }
  });

  it('trains on a custom text, unknown characters as ⟨unk⟩ and CRLF as a newline', () => {
    const text = 'ab\r\ncd é ' + 'x'.repeat(100);
    const b = charLM.generate({ corpus: 'custom' }, { batch: 64, T: 6, seed: 1, text });
    const normal = 'ab\ncd ? ' + 'x'.repeat(100); // the tokenizer's view: é is ⟨unk⟩, shown as ?
    for (const row of rows(b)) expect(normal.indexOf(row.text), row.text).toBeGreaterThanOrEqual(0);
    expect(rows(b).some((r) => r.text.includes('?'))).toBe(true);
  });

  it('covers the training part: every start is drawn', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789ABCD'; // 40 characters: 36 for training, 4 held out
    const starts = new Set<number>();
    for (let s = 0; s < 10; s++) for (const row of rows(charLM.generate({ corpus: 'custom' }, { batch: 64, T: 3, seed: s, text }))) starts.add(text.indexOf(row.text));
    expect([...starts].sort((a, b) => a - b)).toEqual(Array.from({ length: 33 }, (_, i) => i)); // 36 − 4 + 1 starts
    for (const row of rows(charLM.heldOut({ corpus: 'custom' }, 3, text))) expect(row.text).toBe('ABCD');
  });

  it('refuses a text that does not fit, a missing text, and a text for a bundled corpus', () => {
    const n = CORPORA.sonnets.text.length;
    const held = n - cut(n);
    expect(charLM.check({}, held - 1)).toBeNull();
    expect(charLM.check({}, held)).toMatch(new RegExp(`T = ${held} is too long; at most ${held - 1} \\(corpus "sonnets" has ${n} characters`));
    expect(charLM.check({ corpus: 'custom' }, 8)).toMatch(/corpus "custom" needs a text/);
    expect(charLM.check({}, 8, 'my own text, long enough')).toMatch(/choose corpus "custom"/);
    expect(charLM.check({ corpus: 'custom' }, 1, 'short')).toMatch(/at least 20 characters, got 5/);
    expect(charLM.check({ corpus: 'gutenberg' }, 8)).toMatch(/"corpus" must be one of "sonnets", "genesis", "rhymes", "speeches", "custom", got "gutenberg"/);
    expect(() => charLM.generate({ corpus: 'custom' }, { batch: 1, T: 8, seed: 0 })).toThrow(/needs a text/);
  });
});
