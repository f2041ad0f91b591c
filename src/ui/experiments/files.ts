/**
 * Reading an experiment file back, apart from the page: a definition JSON (the experiment itself)
 * or a results JSON (its `experiment` is taken), checked by the schema's reader. Pure; unit-tested
 * in test/ui/experiments.test.ts.
 */
import type { Experiment } from '../../spec/experiment';

type Reader = (raw: unknown) => { ok: true; experiment: Experiment } | { ok: false; errors: string[] };

/** The definition in a file's text, or why it is refused (one sentence). */
export function definitionFromFile(text: string, read: Reader): { ok: true; experiment: Experiment } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'it is not JSON' };
  }
  // A results file holds its definition under `experiment`.
  if (raw && typeof raw === 'object' && 'format' in raw && 'experiment' in raw) raw = (raw as { experiment: unknown }).experiment;
  const r = read(raw);
  if (!r.ok) return { ok: false, reason: `${r.errors[0] ?? 'it is not an experiment'}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more problems)` : ''}` };
  return { ok: true, experiment: r.experiment };
}

/** A file name's stem from the title: lower case, words joined by dashes ("Width sweep" → "width-sweep"). */
export const fileStem = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'experiment';
