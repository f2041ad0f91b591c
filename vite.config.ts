/// <reference types="vitest/config" />
/**
 * Vite config: React, cross-origin isolation headers (so onnxruntime-web's WASM can use threads),
 * and onnxruntime-web's own wasm files served and bundled from node_modules under /ort/ (no CDN).
 */
import { execFile } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY, cspMeta } from './csp.config.ts';

/** Headers that make the page cross-origin isolated (SharedArrayBuffer → WASM threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The runtime files: the WASM-only build's (the WASM worker, workers/wasm.worker.ts) and the
 * default build's, WASM + WebGPU through JSEP (the WebGPU worker, loaded only when it starts).
 */
const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];
const ortDist = (file: string) => fileURLToPath(new URL(`node_modules/onnxruntime-web/dist/${file}`, import.meta.url));

function ortAssets(): Plugin {
  let base = '/';
  return {
    name: 'ort-assets',
    configResolved(config) {
      base = config.base;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0]!;
        const file = ORT_FILES.find((f) => path === `${base}ort/${f}`);
        if (!file) return next();
        const stat = statSync(ortDist(file));
        // Cached, revalidated by ETag (as `vite preview` does): a second visit reads the 14 MB module
        // from the HTTP cache, and Chromium's cache of its compiled code is keyed on that entry.
        const etag = `W/"${stat.size}-${stat.mtimeMs}"`;
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('ETag', etag);
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.setHeader('Content-Length', String(stat.size)); // the page shows download progress
        createReadStream(ortDist(file)).pipe(res);
      });
    },
    generateBundle() {
      for (const file of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${file}`, source: readFileSync(ortDist(file)) });
    },
  };
}

/**
 * `virtual:first-look`: the default model's analysis of the default text, run at build time (and
 * once per dev server) by the worker's own code in Node (scripts/firstlook.ts), so the page draws
 * it before the runtime has loaded (src/state/firstLook.ts).
 */
function firstLook(): Plugin {
  const ID = 'virtual:first-look';
  let source: Promise<string> | null = null;
  return {
    name: 'first-look',
    resolveId: (id) => (id === ID ? `\0${ID}` : null),
    load(id) {
      if (id !== `\0${ID}`) return null;
      // In a child process (tsx): the config bundle stays free of the compiler and onnxruntime-web.
      const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('scripts/firstlook.ts', import.meta.url))], { maxBuffer: 64 << 20 });
      return (source ??= run().then((r) => r.stdout));
    },
  };
}

export default defineConfig({
  plugins: [react(), ortAssets(), firstLook(), cspMeta()],
  // onnxruntime-web's "extern wasm" build loads its glue and wasm from env.wasm.wasmPaths (our
  // /ort/ files) instead of inlining them: one copy of the 28 MB wasm, a 4× smaller worker.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: { ...ISOLATION_HEADERS, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: { format: 'es' },
  optimizeDeps: {
    // onnxruntime-web finds its wasm files relative to itself: never pre-bundle it. The rest is
    // listed so the dev server does not discover it late and reload the page on first visit.
    exclude: ['onnxruntime-web'],
    include: ['react', 'react-dom/client', 'react/jsx-runtime', 'zustand', 'zustand/vanilla', 'comlink', 'zod', 'onnx-proto', 'd3-axis', 'd3-scale', 'd3-selection', 'd3-color', 'd3-scale-chromatic', 'd3-shape'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 1500 },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
