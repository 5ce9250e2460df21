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
import { LimitedWait, type WaitLimits } from './wait-limits.js';

export const READABLE = 1;
export const WRITABLE = 2;

/**
 * Called when the fd may be ready (and once before arming). Returns
 * `{ done: true, value }` to resolve, `{ done: false }` to keep waiting, or
 * throws to reject.
 */
export type Attempt<T> = () => { done: true; value: T } | { done: false };

/** One pending wait on the fd: the watcher's entry and the promise's settle target in one. */
class FdWait<T> extends LimitedWait<T> {
  readonly watcher: FdWatcher;
  readonly events: number;
  readonly attempt: Attempt<T>;

  constructor(watcher: FdWatcher, events: number, attempt: Attempt<T>) {
    super();
    this.watcher = watcher;
    this.events = events;
    this.attempt = attempt;
  }

  protected override start(): void {
    const first = this.attempt();
    if (first.done) this.settle(undefined, first.value);
    else this.watcher.attach(this as FdWait<unknown>);
  }

  protected override cancel(): void {
    this.watcher.detach(this as FdWait<unknown>);
  }
}

export class FdWatcher {
  readonly #fd: number;
  readonly #label: string;
  /** The pending waits: most fds have one at a time, which is then held without a Set. */
  #waiters: FdWait<unknown> | Set<FdWait<unknown>> | undefined;
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
    // The stack is cut at this method, so a rejection points at the caller, not at the poll callback.
    return new FdWait<T>(this, events, attempt).begin(limits, what, this.wait);
  }

  /** Rejects every pending wait with `reason` and releases the poll handle. */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters instanceof Set) for (const waiter of waiters) waiter.settle(reason);
    else waiters?.settle(reason);
    this.#poller?.close();
    this.#poller = undefined;
  }

  /** @internal Adds a pending wait and arms for it; on a throw the wait is not kept. */
  attach(waiter: FdWait<unknown>): void {
    const waiters = this.#waiters;
    if (waiters === undefined) this.#waiters = waiter;
    else if (waiters instanceof Set) waiters.add(waiter);
    else this.#waiters = new Set([waiters, waiter]);
    try {
      this.#rearm();
    } catch (error) {
      this.detach(waiter);
      throw error;
    }
  }

  /** @internal Forgets a wait that has settled or been cancelled, and re-arms for the rest. */
  detach(waiter: FdWait<unknown>): void {
    const waiters = this.#waiters;
    if (waiters === waiter) this.#waiters = undefined;
    else if (!(waiters instanceof Set) || !waiters.delete(waiter)) return;
    this.#rearm();
  }

  /** Arms the poll handle for the union of pending waits' events, or stops it. */
  #rearm(): void {
    if (this.#closed) return;
    const waiters = this.#waiters;
    let wanted = 0;
    if (waiters instanceof Set) for (const waiter of waiters) wanted |= waiter.events;
    else if (waiters) wanted = waiters.events;
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
    const waiters = this.#waiters;
    // A copy only when several wait: settling one changes the set.
    if (waiters instanceof Set) for (const waiter of [...waiters]) this.#fire(waiter, status, ready);
    else if (waiters) this.#fire(waiters, status, ready);
  }

  #fire(waiter: FdWait<unknown>, status: number, ready: number): void {
    if (!waiter.pending) return; // settled by an earlier waiter's wake-up (e.g. one that closed the fd)
    if (status < 0) {
      this.detach(waiter);
      waiter.settle(new KernelError(status, { syscall: 'poll', context: this.#label }));
      return;
    }
    if ((waiter.events & ready) === 0) return;
    try {
      const result = waiter.attempt();
      if (!result.done) return;
      this.detach(waiter);
      waiter.settle(undefined, result.value);
    } catch (error) {
      this.detach(waiter);
      waiter.settle(error);
    }
  }
}
