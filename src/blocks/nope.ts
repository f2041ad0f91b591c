/**
 * NoPE: no positional encoding at all.
 * Paper: "The Impact of Positional Encoding on Length Generalization in Transformers"
 * (Kazemnejad et al., 2023).
 *
 *   x₀ = E[token], and attention is softmax(Q Kᵀ / √d + M) with no position term anywhere.
 *
 * The block declares no hooks: the compiler then adds nothing to the embeddings, leaves queries and
 * keys as they are and adds no logit bias.
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'nope',
  slot: 'position',
  title: 'NoPE (no positional encoding)',
  paper: 'The Impact of Positional Encoding on Length Generalization in Transformers',
  explanation:
    'Nothing about position is added anywhere. With bidirectional attention the model then cannot ' +
    'tell "dog bites man" from "man bites dog": attention treats its input as a bag of tokens. With ' +
    'causal attention it still can, because token t sees exactly t tokens, so a head that spreads its ' +
    'attention evenly learns how far along it is. Kazemnejad et al. found that such decoder-only ' +
    'models generalise to longer texts than models with an explicit encoding.',
  doc: `
**Paper:** *The Impact of Positional Encoding on Length Generalization in Transformers*
(Kazemnejad et al., 2023).

**Math:** x₀[t] = E[token_t]; attention logits are q_i · k_j / √hd (plus the mask), with no
position term anywhere.

Nothing about position enters the model. With bidirectional attention the model cannot tell word
order at all: permuting the input permutes the output in the same way. With causal attention it
still can, because token t sees exactly t tokens, so a head that spreads its attention evenly
effectively counts how far along it is. Kazemnejad et al. show that a causal decoder can represent
absolute and relative positions this way, and that in their experiments such NoPE decoders
generalised to longer inputs better than models with an explicit encoding.
`,
  params: z.object({}),
  emit: {},
});
