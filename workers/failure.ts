/**
 * What a failure of the runtime means for the worker it happened in. onnxruntime-web reports a
 * failure inside its WebAssembly module in a few shapes: an Error whose message is only a number
 * (a pointer to a C++ exception, typical of an allocation that failed), an Emscripten abort
 * ("Aborted()", "RuntimeError: unreachable"), or a message about memory ("Out of memory",
 * "Array buffer allocation failed", "memory access out of bounds", a Memory.grow that failed).
 * After any of these the module's heap may be inconsistent, and a WebAssembly heap never shrinks,
 * so the worker is replaced rather than reused. Other errors (a graph it refuses, a WebGPU kernel
 * that failed) leave the module sound.
 */
import { ERROR, REQUEST_ERRORS, errorParts } from '../src/spec/errors';

/** How a failed request leaves its worker. */
export type FailureKind =
  /** Overtaken by a newer edit, refused by the budget or the validator: nothing wrong with the worker. */
  | 'expected'
  /** The module ran out of memory or aborted: the worker must be restarted. */
  | 'broken'
  /** Any other error: shown as the run's failure; the worker goes on. */
  | 'error';

const BROKEN = [
  /^\s*(Error:\s*)?\d+\s*$/, // a C++ exception pointer, thrown as a bare number
  /\babort(ed)?\b/i,
  /RuntimeError:\s*unreachable/i,
  /\bunreachable\b.*\bexecuted\b/i,
  /out of memory|\boom\b/i,
  /allocation failed|failed to allocate|bad_alloc|could not allocate/i,
  /memory access out of bounds/i,
  /maximum memory size|memory\.grow/i,
];

/** What the failure `e` means for the worker it came from. */
export function classifyFailure(e: unknown): FailureKind {
  const { name, message } = errorParts(e);
  if (REQUEST_ERRORS.has(name)) return 'expected';
  if (typeof e === 'number' || BROKEN.some((re) => re.test(message)) || (name === 'RangeError' && /memory|buffer/i.test(message))) return 'broken';
  return 'error';
}

/** Thrown by a worker whose runtime is broken (classifyFailure gave 'broken'); the page restarts it. */
export class RuntimeBroken extends Error {
  constructor(cause: unknown) {
    const { message } = errorParts(cause);
    super(
      `The runtime ran out of memory or stopped while running this model (onnxruntime-web said: ${message.slice(0, 200)}). ` +
        'Its worker was restarted; a shorter text or a smaller model needs less memory.',
    );
    this.name = ERROR.RuntimeBroken;
  }
}
