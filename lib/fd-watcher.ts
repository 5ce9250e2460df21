// SPDX-License-Identifier: MIT
/**
 * Waits on an fd's readiness without a thread: one uv_poll handle per fd on
 * this environment's loop (native/poller.cc), shared by every pending wait
 * on that fd. The handle is armed only while some wait is pending, so an idle
 * object does not keep the process alive.
 * @module
 * @internal
 */
import { options } from './args.js';
import { AbortError, KernelError, TimeoutError } from './errors.js';
import { type RawPoller, native } from './native.js';

export const READABLE = 1;
export const WRITABLE = 2;

/**
 * Called when the fd may be ready (and once before arming). Returns
 * `{ done: true, value }` to resolve, `{ done: false }` to keep waiting, or
 * throws to reject.
 */
export type Attempt<T> = () => { done: true; value: T } | { done: false };

export interface WaitLimits {
  /** Rejects the wait with AbortError (cause: the signal's reason) when it fires. */
  signal?: AbortSignal | undefined;
  /** Milliseconds before the wait rejects with TimeoutError. */
  timeout?: number | undefined;
}

interface Waiter {
  events: number;
  attempt: Attempt<unknown>;
  settle(error: unknown, value?: unknown): void;
}

export class FdWatcher {
  readonly #fd: number;
  readonly #label: string;
  readonly #waiters = new Set<Waiter>();
  #poller: RawPoller | undefined;
  #armed = 0;
  #closed = false;

  constructor(fd: number, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  /** Number of waits pending on this fd. */
  get pending(): number {
    return this.#waiters.size;
  }

  /**
   * Resolves with the attempt's value once it reports done.
   * @param what names the awaited thing in TimeoutError messages
   */
  wait<T>(events: number, attempt: Attempt<T>, limits: WaitLimits, what: string): Promise<T> {
    // Captured here so a rejection points at the caller, not at the poll callback.
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, this.wait);
    return new Promise<T>((resolve, reject) => {
      const { signal, timeout } = limits;
      if (signal?.aborted) {
        reject(withStack(new AbortError(undefined, { cause: signal.reason }), site));
        return;
      }
      const first = attempt();
      if (first.done) {
        resolve(first.value);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => waiter.settle(new AbortError(undefined, { cause: signal?.reason }));
      const waiter: Waiter = {
        events,
        attempt,
        settle: (error, value) => {
          if (!this.#waiters.delete(waiter)) return;
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.#rearm();
          if (error === undefined) resolve(value as T);
          else reject(withStack(error, site));
        },
      };
      if (timeout !== undefined) {
        timer = setTimeout(() => waiter.settle(new TimeoutError(timeout, what)), timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      try {
        this.#rearm();
      } catch (error) {
        waiter.settle(error);
      }
    });
  }

  /** Rejects every pending wait with `reason` and releases the poll handle. */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.settle(reason);
    this.#poller?.close();
    this.#poller = undefined;
  }

  /** Arms the poll handle for the union of pending waits' events, or stops it. */
  #rearm(): void {
    if (this.#closed) return;
    let wanted = 0;
    for (const waiter of this.#waiters) wanted |= waiter.events;
    if (wanted === this.#armed) return;
    if (wanted === 0) {
      this.#poller?.stop();
      this.#armed = 0;
      return;
    }
    if (!this.#poller) {
      const poller = native.pollerCreate(this.#fd, (status, ready) => this.#onEvent(status, ready));
      if (typeof poller === 'number') {
        throw new KernelError(poller, { syscall: 'epoll_ctl', context: `cannot watch ${this.#label} (fd ${this.#fd})` });
      }
      this.#poller = poller;
    }
    const rc = this.#poller.start(wanted);
    if (rc < 0) throw new KernelError(rc, { syscall: 'epoll_ctl', context: `cannot watch ${this.#label} (fd ${this.#fd})` });
    this.#armed = wanted;
  }

  #onEvent(status: number, ready: number): void {
    for (const waiter of [...this.#waiters]) {
      if (status < 0) {
        waiter.settle(new KernelError(status, { syscall: 'poll', context: this.#label }));
        continue;
      }
      if ((waiter.events & ready) === 0) continue;
      try {
        const result = waiter.attempt();
        if (result.done) waiter.settle(undefined, result.value);
      } catch (error) {
        waiter.settle(error);
      }
    }
  }
}

/** Gives a rejection the stack captured where the wait was started. */
export function withStack(error: unknown, site: { stack?: string }): unknown {
  if (error instanceof Error && site.stack) {
    const frames = site.stack.slice(site.stack.indexOf('\n'));
    error.stack = `${error.name}: ${error.message}${frames}`;
  }
  return error;
}

/** Checks the `{signal, timeout}` bag every wait takes. */
export function checkWaitLimits(value: unknown): WaitLimits {
  const { signal, timeout } = options<WaitLimits>('options', value);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw Object.assign(new TypeError('options.signal must be an AbortSignal'), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || !Number.isFinite(timeout))) {
    throw Object.assign(new RangeError(`options.timeout must be a finite number of ms >= 0, received ${String(timeout)}`), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  return { signal, timeout };
}
