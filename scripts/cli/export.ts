/**
 * npm run export -- [config.json | share link | --preset NAME] --out model.onnx [--mode inspect|fast] [--seq-len T]
 *
 * Writes the model as a standard ONNX file (opset 17) that onnxruntime, Netron and Python tools
 * open. The spec is stored in the file's metadata under "transformer_playground.spec". The same
 * spec and seed always give the same bytes.
 */
import { writeFileSync } from 'node:fs';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import { toOnnxBytes } from '../../src/graph/onnx';
import { CliError, parseArgs, runCli } from './source';

const USAGE = 'usage: npm run export -- [config.json | share-link | --preset NAME] --out model.onnx [--mode inspect|fast] [--seq-len T]';

runCli(() => {
  const { spec, origin, mode, T, out } = parseArgs(process.argv.slice(2), USAGE, true);
  const graph = compile(spec, { T, mode });
  const bytes = toOnnxBytes(graph, {
    docString: `${spec.name} (Transformer Playground, ${mode} mode, T = ${T})`,
    metadata: { 'transformer_playground.spec': JSON.stringify(spec), 'transformer_playground.mode': mode, 'transformer_playground.seq_len': String(T) },
  });
  try {
    writeFileSync(out!, bytes);
  } catch (e) {
    throw new CliError(`--out: cannot write ${out}: ${(e as Error).message}`);
  }
  const { total } = graphCost(graph);
  console.log(`wrote ${out}: ${origin}, ${mode} mode, T = ${T}, ${total.params.toLocaleString('en')} parameters, ${(bytes.length / 1e6).toFixed(2)} MB`);
});
