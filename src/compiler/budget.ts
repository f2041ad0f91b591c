/**
 * The memory budget of one analysis, on its own so that the page can import it through the
 * worker API without loading the compiler. How the peak is estimated: src/compiler/stats.ts.
 */

/**
 * The most memory one analysis may need: 2 GiB. onnxruntime-web's WASM heap is 32-bit, so 4 GiB at
 * most; it holds the session, the activations and the outputs, and the tab holds the ONNX files
 * and the page besides. Half of that limit leaves room for what the estimate leaves out: the
 * runtime's own buffers, the fast session, the views. A GPT-2-small shape (12 layers, d_model 768,
 * 12 heads) would need about 1.7 GiB at T = 256 and fit. The largest model the limits allow now
 * (d_model 512, 12 layers, 16 heads) needs 1.2 GiB there, 2.9 GiB at T = 512, and far more with
 * loops to 48 layer runs or at T = 8192.
 */
export const MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;
