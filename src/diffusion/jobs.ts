// Native jobs under an AbortSignal: the model's abort() when it fires, and the DOM-style AbortError.
import type { NativeModel } from '../native.js';
export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as Error & { code: string }).code = 'ABORT_ERR';
  return err;
}

/** Runs a native job and aborts it when the signal fires. */
export async function withSignal<T>(signal: AbortSignal | undefined, model: NativeModel, job: () => Promise<T>): Promise<T> {
  if (!signal) return job();
  if (signal.aborted) throw abortError(signal);
  const onAbort = () => model.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await job();
  } catch (err) {
    if (signal.aborted && err instanceof Error && err.name === 'AbortError') throw abortError(signal);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
