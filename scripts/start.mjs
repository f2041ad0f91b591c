/**
 * `npm start [-- --port N --host H]`: installs what is missing, then serves the app with Vite's
 * dev server (cross-origin isolated, onnxruntime-web's files served locally). Arguments go to
 * Vite's command line unchanged, so every Vite server flag works.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps();
const vite = spawn(join(root, 'node_modules', '.bin', 'vite'), process.argv.slice(2), { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => vite.kill(signal));
vite.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
