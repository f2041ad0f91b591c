/**
 * The memory budget of one analysis, on its own so that the page can import it through the
 * worker API without loading the compiler. How the peak is estimated: src/compiler/stats.ts.
 */

/**
 * The most memory one analysis may need: 2 GiB. onnxruntime-web's WASM heap is 32-bit, so 4 GiB at
 * most; it holds the session, the activations and the outputs, and the tab holds the ONNX files
 * and the page besides. Half of that limit leaves room for what the estimate leaves out: the
 * runtime's own buffers, the fast session, the views. This budget, not the limits of the settings,
 * is what refuses a model too big to run: the `gpt2-small` preset (12 layers, d_model 768, 12 heads)
 * needs about 1.7 GiB at T = 256 and, with GPT-2's 1024 positions, fits up to T = 309; d_model 512 with 12 layers and 16 heads
 * needs 1.2 GiB there and 2.9 GiB at T = 512; the widest model the limits allow (d_model 1024,
 * 12 layers) is refused at any length for its weights alone (2.3 GiB).
 */
export const MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;

/**
 * The longest length a latency sweep offers (the largest maxLen a spec may have). A model whose
 * weights do not depend on maxLen sweeps up to it whatever its maxLen (compiler/stats.ts: sweepLimit).
 */
export const SWEEP_MAX_T = 8192;
