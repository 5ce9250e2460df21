// SPDX-License-Identifier: MIT
/**
 * What every wait in the library shares: the `{signal, timeout}` bag, its
 * check, and one promise helper that applies it, so abort, timeout and
 * cleanup behave the same for fd readiness, syncobj eventfds and thread waits.
 * @module
 * @internal
 */
import { options, rangeError, typeError } from './args.js';
import { AbortError, TimeoutError } from './errors.js';

export interface WaitLimits {
  /** Rejects the wait with AbortError (cause: the signal's reason) when it fires. */
  signal?: AbortSignal | undefined;
  /** Milliseconds before the wait rejects with TimeoutError. */
  timeout?: number | undefined;
}

/** Checks the `{signal, timeout}` bag every wait takes. */
export function checkWaitLimits(value: unknown): WaitLimits {
  const { signal, timeout } = options<WaitLimits>('options', value, ['signal', 'timeout']);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError('options.signal must be an AbortSignal');
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || !Number.isFinite(timeout))) {
    throw rangeError(`options.timeout must be a finite number of ms >= 0, received ${String(timeout)}`);
  }
  return { signal, timeout };
}

/** Gives a rejection the stack captured where the wait was started. */
export function withStack(error: unknown, site: { stack?: string }): unknown {
  if (error instanceof Error && site.stack) {
    error.stack = `${error.name}: ${error.message}${site.stack.slice(site.stack.indexOf('\n'))}`;
  }
  return error;
}

/**
 * A promise that `start` settles through `finish(error?, value?)`, bounded by
 * `limits`. `start` returns a cancel function, called (before rejecting) when
 * the signal fires, the timeout elapses, or the caller's `stop` does; it is
 * never called once the wait has settled. A throw from `start` rejects.
 * `owner`, if given, holds the wait's `stop(reason)` while it is pending, so
 * closing the owner can reject every wait it has.
 */
export function limitedWait<T>(
  limits: WaitLimits,
  site: { stack?: string },
  what: string,
  start: (finish: (error?: unknown, value?: T) => void) => () => void,
  owner?: Set<(reason: unknown) => void>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal, timeout } = limits;
    if (signal?.aborted) {
      reject(withStack(new AbortError(undefined, { cause: signal.reason }), site));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let cancel: (() => void) | undefined;
    let done = false;
    const onAbort = (): void => stop(new AbortError(undefined, { cause: signal?.reason }));
    const finish = (error?: unknown, value?: T): void => {
      if (done) return;
      done = true;
      owner?.delete(stop);
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(value as T);
      else reject(withStack(error, site));
    };
    const stop = (reason: unknown): void => {
      if (done) return;
      cancel?.();
      finish(reason);
    };
    if (timeout !== undefined) timer = setTimeout(() => stop(new TimeoutError(timeout, what)), timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    owner?.add(stop);
    try {
      cancel = start(finish);
    } catch (error) {
      finish(error);
    }
  });
}
