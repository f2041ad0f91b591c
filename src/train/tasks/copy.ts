/** Copy: a random string, a separator, then the same string again; the copy is scored. */
import { defineTask } from './define';
import { transduction } from './transduction';

export default defineTask({
  kind: 'copy',
  title: 'Copy',
  source: 'Algorithmic tradition (Graves et al., Neural Turing Machines; Jelassi et al., Repeat After Me: Transformers are Better than State Space Models at Copying)',
  explanation:
    'A random string of letters, then "|", then the same string again. The model sees the string once and must write it out: every character of the copy is scored. Attention solves it by looking back by the string\'s length plus one, to the matching letter before the separator; a fixed-size recurrent state has to remember the whole string, which is why copying separates transformers from state-space models as strings grow longer.',
  ...transduction((w) => w),
});
