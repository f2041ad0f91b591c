/**
 * npx tsx scripts/bench/gpt2-run.ts [--port N] [--repeat N] [--passes N] [--no-web-in-node] [--keep-file PATH] [--write-docs]
 *
 * Runs the GPT-2-small ratio benchmark (scripts/bench/gpt2.ts) on its own: builds and serves the
 * app and launches Chromium (scripts/bench/app.ts), calls gpt2Ratio `--repeat` times (default 1),
 * prints the results as JSON and writes them to bench/results/gpt2.json; with --write-docs also the
 * section of docs/benchmarks.md. --keep-file keeps the exported .onnx file (341 MB) for
 * scripts/bench/gpt2-why.ts.
 */
import { withApp } from './app';
import { gpt2Markdown, gpt2Ratio, GPT2_HEADING, type Gpt2Result } from './gpt2';
import { flag, writeResult, writeSection } from './results';

const args = process.argv.slice(2);
const REPEAT = Number(flag(args, 'repeat') ?? 1);

await withApp({ port: Number(flag(args, 'port') ?? 4395) }, async (app) => {
  const results: Gpt2Result[] = [];
  for (let k = 0; k < REPEAT; k++) results.push(await gpt2Ratio(app, { webInNode: !args.includes('--no-web-in-node'), saveFileTo: flag(args, 'keep-file') ?? null, passes: Number(flag(args, 'passes') ?? 2) }));
  writeResult('gpt2.json', results);
  if (args.includes('--write-docs')) writeSection('gpt2', gpt2Markdown(results), GPT2_HEADING);
  const brief = ({ T, threads, pageMs, nodeMs, ratio, pageMedianMs, nodeMedianMs, ratioMedian, passRatios, fileBytes, params, flops, met, page, webInNode }: Gpt2Result) => ({
    T, threads, pageMs, nodeMs, ratio, pageMedianMs, nodeMedianMs, ratioMedian, passRatios, met, fileBytes, params, flops,
    pageAnalysisFastMedianMs: page.analysis['fastMedianMs'],
    webInNodeMs: webInNode ? ('error' in webInNode ? webInNode.error : webInNode.minMs) : null,
  });
  console.log(JSON.stringify(results.map(brief), null, 2));
  console.log(`wrote bench/results/gpt2.json${args.includes('--write-docs') ? ' and docs/benchmarks.md' : ''}`);
});
