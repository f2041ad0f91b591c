/**
 * Zod without eval. Zod 4 compiles a fast object parser with `new Function` where it can, and the
 * first object parse probes for that with `new Function('')`. Under the app's Content-Security-Policy
 * (csp.config.ts: no 'unsafe-eval') the probe is refused and reported as a violation, though zod
 * catches it and falls back to its plain parser. Imported first by every entry point (src/main.tsx,
 * workers/wasm.worker.ts, workers/webgpu.worker.ts), this goes straight to the plain parser: same results, no violation.
 */
import { z } from 'zod';

z.config({ jitless: true });
