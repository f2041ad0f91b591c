/** onnxruntime-web's WASM-only build (a 14 MB module): what the WASM worker runs on. */
import * as ort from 'onnxruntime-web/wasm';
import type { OrtModule } from './ort';

export const wasmBuild: OrtModule = ort;
