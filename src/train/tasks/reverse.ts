/** Reverse: a random string, a separator, then the string backwards; the reversal is scored. */
import { defineTask } from './define';
import { transduction } from './transduction';

export default defineTask({
  kind: 'reverse',
  title: 'Reverse',
  source: 'Algorithmic tradition (Grefenstette et al., Learning to Transduce with Unbounded Memory)',
  explanation:
    'A random string of letters, then "|", then the string backwards. Every character of the reversal is scored. The first answer is the last letter before the separator, the last answer the first letter: the distance a head must look back changes by two at every step, so a single fixed offset does not solve it, unlike copy.',
  ...transduction((w) => Array.from(w).reverse().join('')),
});
