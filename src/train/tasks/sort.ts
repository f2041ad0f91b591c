/** Sort: a random string, a separator, then its letters in alphabetical order; the sorted string is scored. */
import { defineTask } from './define';
import { transduction } from './transduction';

export default defineTask({
  kind: 'sort',
  title: 'Sort',
  source: 'Algorithmic tradition (Vinyals et al., Order Matters: Sequence to Sequence for Sets; Zhou et al., What Algorithms Can Transformers Learn? A Study in Length Generalization)',
  explanation:
    'A random string of letters (repeats allowed), then "|", then the same letters in alphabetical order. Every character of the sorted string is scored. Each answer is the smallest letter not yet written, counting repeats: the model has to compare what it has written with what the prompt holds, not just look back by position.',
  ...transduction((w) => Array.from(w).sort().join('')),
});
