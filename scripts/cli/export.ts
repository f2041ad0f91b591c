/**
 * npm run export -- [config.json | share link | --preset NAME] --out model.onnx [--mode inspect|fast] [--seq-len T] [--batch B]
 *
 * Writes the model as a standard ONNX file (opset 17) that onnxruntime, Netron and Python tools
 * open. The spec is stored in the file's metadata under "transformer_playground.spec". The same
 * spec and seed always give the same bytes. --batch B (default 1) builds it for B sequences at
 * once: tokens [B, T], logits [B, T, V] (docs/graph-outputs.md).
 */
import { writeFileSync } from 'node:fs';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import { toOnnxBytes } from '../../src/graph/onnx';
import { CliError, parseArgs, runCli } from './source';

const USAGE = 'usage: npm run export -- [config.json | share-link | --preset NAME] --out model.onnx [--mode inspect|fast] [--seq-len T] [--batch B]';

runCli(() => {
  const { spec, origin, mode, T, batch, out } = parseArgs(process.argv.slice(2), USAGE, true);
  const graph = compile(spec, { T, mode, batch });
  const batched = batch === 1 ? '' : `, B = ${batch}`; // a batch of 1 writes the file it always did
  const bytes = toOnnxBytes(graph, {
    docString: `${spec.name} (Transformer Playground, ${mode} mode, T = ${T}${batched})`,
    metadata: {
      'transformer_playground.spec': JSON.stringify(spec),
      'transformer_playground.mode': mode,
      'transformer_playground.seq_len': String(T),
      ...(batch === 1 ? {} : { 'transformer_playground.batch': String(batch) }),
    },
  });
  try {
    writeFileSync(out!, bytes);
  } catch (e) {
    throw new CliError(`--out: cannot write ${out}: ${(e as Error).message}`);
  }
  const { total } = graphCost(graph);
  console.log(`wrote ${out}: ${origin}, ${mode} mode, T = ${T}${batched}, ${total.params.toLocaleString('en')} parameters, ${(bytes.length / 1e6).toFixed(2)} MB`);
});
