/** The WASM worker: always started, on onnxruntime-web's WASM-only build. */
import '../src/spec/noEval';
import { wasmBuild } from '../src/runtime/wasmBuild';
import { serve } from './serve';

serve(wasmBuild, 'wasm');
