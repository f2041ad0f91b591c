/**
 * npm run bench [-- --quick] [--kinds a,b] [--max-t N]: the mixer benchmark (scripts/bench/mixers.ts,
 * which gets these flags), prefill against decode per mixer (scripts/bench/decode.ts, the same flags), then the page's (scripts/bench/page.ts), then training steps per second
 * against PyTorch (scripts/bench/train.ts), then opened models (scripts/bench/opened.ts). With --quick only the mixers and decode, to T = 1024, and
 * docs/benchmarks.md is left alone.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
/** Runs the benchmark `file` (next to this one) as this process runs (process.execArgv: tsx's loader); its exit status. */
const run = (file: string, flags: string[]) => spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(file, import.meta.url)), ...flags], { stdio: 'inherit' }).status ?? 1;

let code = run('./mixers.ts', args);
if (code === 0) code = run('./decode.ts', args);
if (code === 0 && !args.includes('--quick')) code = run('./page.ts', []);
if (code === 0 && !args.includes('--quick')) code = run('./train.ts', []);
if (code === 0 && !args.includes('--quick')) code = run('./opened.ts', []);
process.exit(code);
