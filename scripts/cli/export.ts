/**
 * npm run export -- [config.json | share link | --preset NAME] --out model.onnx [--mode inspect|fast|decode|grad|train] [--seq-len T] [--batch B]
 * (decode: one token per run with the model's state in and out; --seq-len is then the cache capacity)
 *
 * Writes the model as a standard ONNX file (opset 17) that onnxruntime, Netron and Python tools
 * open. The spec is stored in the file's metadata under "transformer_playground.spec". The same
 * spec and seed always give the same bytes. --batch B (default 1) builds it for B sequences at
 * once: tokens [B, T], logits [B, T, V] (docs/graph-outputs.md). The grad and train modes write
 * the training graphs: every weight's gradient, or one whole AdamW step (docs/graph-outputs.md,
 * "Training graphs").
 */
import { writeFileSync } from 'node:fs';
import { modelFile } from './model-file';
import { CliError, EXPORT_MODES, parseArgs, runCli } from './source';

const USAGE = 'usage: npm run export -- [config.json | share-link | --preset NAME] --out model.onnx [--mode inspect|fast|decode|grad|train] [--seq-len T] [--batch B]';

runCli(() => {
  const { spec, origin, mode, T, batch, out } = parseArgs(process.argv.slice(2), USAGE, true, EXPORT_MODES);
  const { bytes, params } = modelFile(spec, { mode, T, batch });
  try {
    writeFileSync(out!, bytes);
  } catch (e) {
    throw new CliError(`--out: cannot write ${out}: ${(e as Error).message}`);
  }
  const batched = batch === 1 && (mode === 'inspect' || mode === 'fast') ? '' : `, B = ${batch}`;
  const weights = mode === 'train' ? ' (weights are inputs: start them from the fast export\'s initialisers)' : '';
  console.log(`wrote ${out}: ${origin}, ${mode} mode, T = ${T}${batched}, ${params.toLocaleString('en')} parameters${weights}, ${(bytes.length / 1e6).toFixed(2)} MB`);
});
