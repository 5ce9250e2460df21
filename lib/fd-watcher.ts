// SPDX-License-Identifier: MIT
/**
 * Waits on an fd's readiness without a thread: one uv_poll handle per fd on
 * this environment's loop (native/poller.cc), shared by every pending wait
 * on that fd. The handle is armed only while some wait is pending, so an idle
 * object does not keep the process alive. The addon reports every watched
 * fd's events to one function (pollListen), which finds the fd's watcher.
 * @module
 */
import { EEXIST, KernelError } from './errors.js';
import { native } from './native.js';
import { LimitedWait, type WaitLimits } from './wait-limits.js';

export const READABLE = 1;
export const WRITABLE = 2;

/**
 * Called when the fd may be ready (and once before arming), with the wait's
 * `subject`. Returns `{ done: true, value }` to resolve, `{ done: false }`
 * to keep waiting, or throws to reject. An attempt that needs only its
 * subject can be one function for every wait, not a closure per wait.
 */
export type Attempt<T, S = unknown> = (subject: S) => { done: true; value: T } | { done: false };

/**
 * The watchers with a poll handle, by fd: where the addon's events go. Kept
 * on the addon object: every copy of this module in the environment (a
 * bundle, a test runner's own) loads the one addon and so shares its
 * listener, which must find every copy's watchers.
 */
type Watchers = Map<number, { onEvent(status: number, ready: number): void }>;
const watching: Watchers = ((native as unknown as { pollWatchers?: Watchers }).pollWatchers ??= new Map());
let listening = false;

function dispatch(fd: number, status: number, ready: number): void {
  watching.get(fd)?.onEvent(status, ready);
}

/** One pending wait on the fd: the watcher's entry and the promise's settle target in one. */
class FdWait<T> extends LimitedWait<T> {
  readonly watcher: FdWatcher;
  readonly events: number;
  readonly attempt: Attempt<T>;
  readonly subject: unknown;

  constructor(watcher: FdWatcher, events: number, attempt: Attempt<T>, subject: unknown) {
    super();
    this.watcher = watcher;
    this.events = events;
    this.attempt = attempt;
    this.subject = subject;
  }

  protected override start(): void {
    const first = this.attempt(this.subject);
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
  /** Whether this watcher holds the fd's poll handle. */
  #polling = false;
  #armed = 0;
  #closed = false;

  constructor(fd: number, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  /**
   * Resolves with the attempt's value once it reports done.
   * @param what names the awaited thing in TimeoutError messages
   * @param subject what `attempt` is called with
   */
  wait<T, S = undefined>(events: number, attempt: Attempt<T, S>, limits: WaitLimits, what: string, subject?: S): Promise<T> {
    // The stack is cut at this method, so a rejection points at the caller, not at the poll callback.
    return new FdWait<T>(this, events, attempt as Attempt<T>, subject).begin(limits, what, this.wait);
  }

  /**
   * Rejects every pending wait with `reason` and releases the poll handle.
   * `reason` may be a function making it, called only if a wait is pending
   * (an error captures a stack: not worth it for an idle watcher's close).
   */
  close(reason: Error | (() => Error)): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters !== undefined) {
      const error = typeof reason === 'function' ? reason() : reason;
      if (waiters instanceof Set) for (const waiter of waiters) waiter.settle(error);
      else waiters.settle(error);
    }
    this.#release();
  }

  /** Gives back the fd's poll handle, if this watcher holds it. */
  #release(): void {
    if (!this.#polling) return;
    native.pollClose(this.#fd);
    watching.delete(this.#fd);
    this.#polling = false;
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
      if (this.#polling) native.pollStop(this.#fd);
      this.#armed = 0;
      return;
    }
    if (!this.#polling) {
      // libuv allows one handle per fd number: a second watcher of it is refused.
      if (watching.has(this.#fd)) throw this.#watchError(EEXIST);
      if (!listening) listening = native.pollListen(dispatch) === 0;
      watching.set(this.#fd, this);
      this.#polling = true;
    }
    const rc = native.pollStart(this.#fd, wanted);
    if (rc < 0) {
      // Nothing was being watched: release the handle (a kept one is still armed for the other waits).
      if (this.#armed === 0) this.#release();
      throw this.#watchError(rc);
    }
    this.#armed = wanted;
  }

  #watchError(errno: number): KernelError {
    return new KernelError(errno, { syscall: 'epoll_ctl', context: `cannot watch ${this.#label} (fd ${this.#fd})` });
  }

  /** @internal The fd may be ready (or polling it failed, status < 0). */
  onEvent(status: number, ready: number): void {
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
      const result = waiter.attempt(waiter.subject);
      if (!result.done) return;
      this.detach(waiter);
      waiter.settle(undefined, result.value);
    } catch (error) {
      this.detach(waiter);
      waiter.settle(error);
    }
  }
}
