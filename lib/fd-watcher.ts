// SPDX-License-Identifier: MIT
/**
 * Waits on an fd's readiness without a thread: one uv_poll handle per fd on
 * this environment's loop (native/poller.cc), shared by every pending wait
 * on that fd. The handle is armed only while some wait is pending, so an idle
 * object does not keep the process alive.
 * @module
 */
import { KernelError } from './errors.js';
import { type RawPoller, native } from './native.js';
import { type WaitLimits, limitedWait } from './wait-limits.js';

export const READABLE = 1;
export const WRITABLE = 2;

/**
 * Called when the fd may be ready (and once before arming). Returns
 * `{ done: true, value }` to resolve, `{ done: false }` to keep waiting, or
 * throws to reject.
 */
export type Attempt<T> = () => { done: true; value: T } | { done: false };

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

  /**
   * Resolves with the attempt's value once it reports done.
   * @param what names the awaited thing in TimeoutError messages
   */
  wait<T>(events: number, attempt: Attempt<T>, limits: WaitLimits, what: string): Promise<T> {
    // Captured here so a rejection points at the caller, not at the poll callback.
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, this.wait);
    return limitedWait<T>(limits, site, what, (finish) => {
      const first = attempt();
      if (first.done) {
        finish(undefined, first.value);
        return () => undefined;
      }
      const waiter: Waiter = { events, attempt, settle: finish };
      this.#waiters.add(waiter);
      try {
        this.#rearm();
      } catch (error) {
        this.#drop(waiter);
        throw error;
      }
      return () => this.#drop(waiter);
    });
  }

  /** Rejects every pending wait with `reason` and releases the poll handle. */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of [...this.#waiters]) {
      this.#waiters.delete(waiter);
      waiter.settle(reason);
    }
    this.#poller?.close();
    this.#poller = undefined;
  }

  /** Forgets a wait that has settled or been cancelled, and re-arms for the rest. */
  #drop(waiter: Waiter): void {
    if (this.#waiters.delete(waiter)) this.#rearm();
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
        this.#drop(waiter);
        waiter.settle(new KernelError(status, { syscall: 'poll', context: this.#label }));
        continue;
      }
      if ((waiter.events & ready) === 0) continue;
      try {
        const result = waiter.attempt();
        if (!result.done) continue;
        this.#drop(waiter);
        waiter.settle(undefined, result.value);
      } catch (error) {
        this.#drop(waiter);
        waiter.settle(error);
      }
    }
  }
}
