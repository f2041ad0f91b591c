/** The lesson “Norm placement and residual growth”. */
import { deep, STREAM } from './build';
import { DEFAULT_TEXT } from '../../spec/defaults';
import type { Lesson } from './types';

const lesson: Lesson = {
  id: 'norm-placement',
  title: 'Norm placement and residual growth',
  summary: 'Where the norms sit (Post-LN, Pre-LN, Peri-LN) decides how the residual stream grows from layer to layer, and whether that growth depends on the weights.',
  steps: [
    {
      title: 'Post-LN: reset after every layer',
      body: 'Six Post-LN layers: each sub-block is added to the stream and the sum is normalised, x ← LN(x + F(x)). The residual view shows the root mean square of the stream after the embedding and after each layer. After every layer it is exactly 1, because the last thing a layer does is normalise. The price: the gradient to early layers passes through every norm, which makes deep Post-LN stacks hard to train without a warm-up.',
      spec: deep('post'),
      text: DEFAULT_TEXT,
      view: { layer: 0, head: 0 },
      focus: 'residual',
    },
    {
      title: 'Pre-LN: the stream grows',
      body: 'Pre-LN normalises only what enters each sub-block and adds the output to the stream unnormalised: x ← x + F(LN(x)). The stream is never rescaled, so it grows with depth, here from {embedding} after the embedding to {last} after six layers; a final norm before the output handles the size. This is the placement of GPT-2, LLaMA and most large models, because the stream gives every layer a direct path to the output.',
      figures: STREAM,
      spec: deep('pre'),
      focus: 'residual',
    },
    {
      title: 'Pre-LN with larger weights',
      body: 'The same Pre-LN model with every linear layer rescaled to spectral norm γ = 3 (the random initial weights have spectral norms between 1.5 and 3), standing in for the larger weights training can produce. Nothing normalises what a sub-block adds, so larger weights mean larger additions: the stream now reaches {last} after six layers, about twice as much. In trained Pre-LN models this growth goes much further: Kim et al. report “massive activations”, hidden states whose size runs away with depth.',
      figures: { last: STREAM.last! },
      spec: deep('pre', 3),
      focus: 'residual',
    },
    {
      title: 'Peri-LN: fixed-size additions',
      body: 'Peri-LN adds a second norm on the output of each sub-block: x ← x + LN_out(F(LN_in(x))). Every addition now has a root mean square of about 1, whatever the sub-block computed, so the stream grows steadily, like a sum of unit steps: here to {last} after six layers. At initialisation that is a bit more than Pre-LN; the point is what happens when the weights change.',
      figures: { last: STREAM.last! },
      spec: deep('peri'),
      focus: 'residual',
    },
    {
      title: 'Peri-LN with larger weights',
      body: 'The same larger weights (γ = 3) as in Pre-LN two steps ago. The Peri-LN stream is almost unchanged, {last} after six layers, because the output norm divides the larger outputs back to unit size. This is why Kim et al. find that Peri-LN keeps hidden states in check and trains more stably than Pre-LN.',
      figures: { last: STREAM.last! },
      spec: deep('peri', 3),
      focus: 'residual',
    },
    {
      title: 'Where the norms sit',
      body: 'Each layer card in the model column has a wiring diagram that shows where its norms sit around the mixer and the feed-forward block. Change the placement of one layer in the inspector and watch the residual view: a single Post-LN layer resets the stream to 1 at that depth, whatever the layers before it did.',
      focus: 'stack',
    },
  ],
};

export default lesson;
