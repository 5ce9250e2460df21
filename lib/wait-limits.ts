// SPDX-License-Identifier: MIT
/**
 * What every wait in the library shares: the `{signal, timeout}` bag, its
 * check, and one promise helper that applies it, so abort, timeout and
 * cleanup behave the same for fd readiness, syncobj eventfds and thread waits.
 * @module
 */
import { options, rangeError, typeError } from './args.js';
import { AbortError, TimeoutError } from './errors.js';

/** How long a wait may last: every wait takes these. */
export interface WaitLimits {
  /** Rejects the wait with AbortError (cause: the signal's reason) when it fires. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds before the wait rejects with TimeoutError: any finite
   * number >= 0. Timeouts beyond setTimeout's limit (2^31-1 ms, about 24.8
   * days) are honoured too, by chaining timers.
   */
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

/** The longest delay setTimeout honours; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `onExpiry` after `ms` milliseconds, however long, by chaining
 * timers of at most MAX_TIMER_MS. Returns the function that cancels it.
 */
export function longTimeout(ms: number, onExpiry: () => void): () => void {
  let timer: NodeJS.Timeout;
  const deadline = performance.now() + ms;
  const arm = (left: number): void => {
    timer = setTimeout(() => {
      const rest = deadline - performance.now();
      if (rest > 0 && left > MAX_TIMER_MS) arm(rest);
      else onExpiry();
    }, Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
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
    let clearTimer: (() => void) | undefined;
    let cancel: (() => void) | undefined;
    let done = false;
    const onAbort = (): void => stop(new AbortError(undefined, { cause: signal?.reason }));
    const finish = (error?: unknown, value?: T): void => {
      if (done) return;
      done = true;
      owner?.delete(stop);
      clearTimer?.();
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(value as T);
      else reject(withStack(error, site));
    };
    const stop = (reason: unknown): void => {
      if (done) return;
      cancel?.();
      finish(reason);
    };
    if (timeout !== undefined) clearTimer = longTimeout(timeout, () => stop(new TimeoutError(timeout, what)));
    signal?.addEventListener('abort', onAbort, { once: true });
    owner?.add(stop);
    try {
      cancel = start(finish);
    } catch (error) {
      finish(error);
    }
  });
}
