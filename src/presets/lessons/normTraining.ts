/** The lesson “Norm placement in training”: Post-LN, Pre-LN and Peri-LN trained at a high learning rate with no warm-up. */
import { PLACEMENT_NAMES } from '../../spec/catalog';
import { defaultLayer, defaultSpec } from '../../spec/defaults';
import type { Experiment } from '../../spec/experiment';
import type { Recipe } from '../../spec/recipe';
import type { NormPlacement, Spec } from '../../spec/types';
import { measured } from './experimentFigures';
import type { Lesson } from './types';

/** Depth and width of the models: deep enough for the placements to differ, narrow enough to train in the page. */
export const NORM_DEPTH = 6;
export const NORM_WIDTH = 32;

/** A 6-layer decoder, d_model 32, 4 heads, with every layer's norms at `placement`. */
export const normModel = (placement: NormPlacement) => (): Spec => ({
  ...defaultSpec(),
  name: `${PLACEMENT_NAMES[placement]}, ${NORM_DEPTH} layers, d_model ${NORM_WIDTH}`,
  dModel: NORM_WIDTH,
  nHeads: 4,
  layers: Array.from({ length: NORM_DEPTH }, () => ({ ...defaultLayer(), placement })),
});

/** Character-level language modelling on the sonnets at a high learning rate, with no warm-up (the setting Xiong et al. found Post-LN needs warm-up for). */
export const NORM_RECIPE: Recipe = {
  task: 'charLM',
  taskParams: { corpus: 'sonnets' },
  T: 32,
  batch: 16,
  steps: 300,
  lr: 3e-2,
  warmup: 0,
  minLrRatio: 0.1,
  seed: 1,
  evalEvery: 50,
};

export const NORM_PLACEMENTS: readonly NormPlacement[] = ['post', 'pre', 'peri'];
/** A variant's label: the placement's name. */
export const normLabel = (p: NormPlacement): string => PLACEMENT_NAMES[p];

/** The measures, in order: the figures index them. */
export const NORM_MEASURES = { accuracy: 0, loss: 1, lossSpike: 2, diverged: 3, residual: 4 } as const;

export function normExperiment(): Experiment {
  return {
    title: 'Norm placement at a high learning rate, no warm-up',
    question: 'Trained without warm-up at a high learning rate, which placement of the norms learns, how large does the residual stream grow, and how steady is the loss?',
    variants: NORM_PLACEMENTS.map((p) => ({ label: normLabel(p), model: normModel(p)() })),
    recipe: NORM_RECIPE,
    seeds: [1, 2],
    measures: [{ kind: 'accuracy' }, { kind: 'loss' }, { kind: 'lossSpike' }, { kind: 'diverged' }, { kind: 'residual', after: -1 }],
  };
}

const M = NORM_MEASURES;
const [POST, PRE, PERI] = NORM_PLACEMENTS.map(normLabel) as [string, string, string];

const lesson: Lesson = {
  id: 'norm-placement-training',
  title: 'Norm placement in training: Post-LN, Pre-LN, Peri-LN',
  summary: 'Train six-layer decoders that differ only in where their norms sit, at a high learning rate with no warm-up: Post-LN barely learns, Pre-LN learns while its residual stream grows, Peri-LN learns and keeps the stream in check.',
  steps: [
    {
      title: 'What the papers found',
      body: 'Xiong et al. (2020) showed that in a Post-LN transformer the gradients of the last layers are large at initialisation, which is why the original transformer needed a learning-rate warm-up, and that Pre-LN trains without one. Kim et al. (Peri-LN, 2025) found the price of Pre-LN: nothing normalises what a sub-block adds, so hidden states can grow large with depth and training (“massive activations”); normalising each sub-block’s output too (Peri-LN) kept the growth balanced and training steadier. The lesson “Norm placement and residual growth” shows the three placements at initialisation; here they are trained. The model: 6 Post-LN layers, d_model 32.',
      spec: normModel('post'),
      text: "Shall I compare thee to a summer's day?",
      view: { layer: 0, head: 0 },
      focus: 'stack',
    },
    {
      title: 'Train it yourself, no warm-up',
      body: 'The Train panel now holds a character-level language-modelling recipe at a high peak learning rate with no warm-up. Press Train with this Post-LN model and watch the loss; then set the layers to Pre-LN or Peri-LN in the inspector and train again. The residual view on the trained weights shows how large the stream has grown after each layer.',
      recipe: NORM_RECIPE,
      focus: 'train',
    },
    {
      title: 'The experiment: three placements side by side',
      body: 'The Experiments panel trains the three placements with the same recipe, two seeds each. Held-out next-character accuracy: Post-LN {postAcc}, Pre-LN {preAcc}, Peri-LN {periAcc}; held-out loss {postLoss}, {preLoss} and {periLoss}. Without warm-up, the first large steps hit the Post-LN stack where Xiong et al. said they would.',
      figures: {
        postAcc: measured(POST, M.accuracy, 'mean', 'percent'),
        preAcc: measured(PRE, M.accuracy, 'mean', 'percent'),
        periAcc: measured(PERI, M.accuracy, 'mean', 'percent'),
        postLoss: measured(POST, M.loss),
        preLoss: measured(PRE, M.loss),
        periLoss: measured(PERI, M.loss),
      },
      experiment: normExperiment,
      focus: 'experiments',
    },
    {
      title: 'The residual stream after training',
      body: 'The root mean square of the residual stream after the last layer, on the probe text: Post-LN {postRes} (its last operation is a norm), Pre-LN {preRes}, Peri-LN {periRes}. Pre-LN’s stream has grown during training because what each layer adds is never normalised; Peri-LN’s output norms cap each addition. The largest rise of the training loss above its lowest value so far: Post-LN {postSpike}, Pre-LN {preSpike}, Peri-LN {periSpike}; a loss that never falls far has little to rise back from, so compare these only between the placements that learn.',
      figures: {
        postRes: measured(POST, M.residual),
        preRes: measured(PRE, M.residual),
        periRes: measured(PERI, M.residual),
        postSpike: measured(POST, M.lossSpike),
        preSpike: measured(PRE, M.lossSpike),
        periSpike: measured(PERI, M.lossSpike),
      },
      focus: 'experiments',
    },
    {
      title: 'Where the toy scale differs',
      body: 'The papers trained models with hundreds of millions to billions of parameters for many thousands of steps; Pre-LN’s massive activations and its divergences appear late and at scale. Six layers of width 32 trained for 300 steps show the first part, Post-LN’s trouble without warm-up and Pre-LN’s growing stream, but not a Pre-LN run blowing up. Xiong et al. found that a warm-up lets Post-LN train: set the warm-up to a tenth of the steps in the Train panel and see whether it does here.',
      focus: 'experiments',
    },
  ],
};

export default lesson;
