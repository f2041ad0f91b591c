/**
 * npm run stats -- [config.json | share link | --preset NAME] [--mode inspect|fast] [--seq-len T] [--batch B]
 *
 * Prints JSON: parameters, FLOPs and activation bytes at T (the model's maxLen unless given) and B (1),
 * in total and per block. Conventions: docs/cost-model.md.
 */
import { compile } from '../../src/compiler/compile';
import { graphCost, outputBytes } from '../../src/graph/cost';
import { parseArgs, runCli } from './source';

const USAGE = 'usage: npm run stats -- [config.json | share-link | --preset NAME] [--mode inspect|fast] [--seq-len T] [--batch B]';

runCli(() => {
  const { spec, mode, T, batch } = parseArgs(process.argv.slice(2), USAGE, false);
  const graph = compile(spec, { T, mode, batch });
  const { total, byScope } = graphCost(graph);
  const report = {
    name: spec.name,
    mode,
    T,
    batch,
    params: total.params,
    flops: total.flops,
    activationBytes: total.activationBytes,
    outputBytes: outputBytes(graph),
    blocks: byScope.map(({ scope, cost }) => ({ scope, ...cost })),
  };
  console.log(JSON.stringify(report, null, 2));
});
