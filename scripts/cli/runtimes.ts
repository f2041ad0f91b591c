/**
 * What the training command lines share: the onnxruntime they train with (onnxruntime-web's WASM
 * build, as the page; or onnxruntime-node's native CPU kernels with --native) and how they end on
 * an error (a CliError's message and code, anything else as exit status 1).
 */
import type { OrtLike } from '../../src/train/trainer';
import { CliError } from './source';

/** onnxruntime-web's WASM build in Node, with `threads` threads: the page's kernels. */
export async function webRuntime(threads: number): Promise<OrtLike> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return ort;
}

/** onnxruntime-node's native CPU kernels, with `threads` threads per session. */
export async function nodeRuntime(threads: number): Promise<OrtLike> {
  const ort = (await import('onnxruntime-node')) as unknown as OrtLike & { default?: OrtLike };
  const mod = ort.default ?? ort;
  const create = mod.InferenceSession.create.bind(mod.InferenceSession) as (b: Uint8Array, o: object) => ReturnType<OrtLike['InferenceSession']['create']>;
  // onnxruntime-node takes thread counts per session.
  return { Tensor: mod.Tensor, InferenceSession: { create: (bytes: Uint8Array, o: object) => create(bytes, { ...o, intraOpNumThreads: threads, interOpNumThreads: 1 }) } } as unknown as OrtLike;
}

/** Runs `main`; a CliError ends the process with its message and code, any other error with status 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof CliError) {
      (e.code === 0 ? console.log : console.error)(e.code === 0 ? e.message : `error: ${e.message}`);
      process.exit(e.code);
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
