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

const NO_LIMITS: WaitLimits = Object.freeze({});
const LIMIT_KEYS = ['signal', 'timeout'] as const;

/** Checks the `{signal, timeout}` bag every wait takes. */
export function checkWaitLimits(value: unknown): WaitLimits {
  // The common call, wait() or wait({}), makes nothing: a pending wait keeps its limits.
  if (value === undefined) return NO_LIMITS;
  const { signal, timeout } = options<WaitLimits>('options', value, LIMIT_KEYS);
  if (signal === undefined && timeout === undefined) return NO_LIMITS;
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

/**
 * How many frames a wait keeps of the stack that started it (at most
 * `Error.stackTraceLimit`). A captured frame costs memory for as long as the
 * wait pends, and 10,000 pending waits are a normal load; the innermost
 * frames are the ones that say who waited.
 */
export const WAIT_STACK_FRAMES = 4;

/**
 * The stack of the call to `site` (the public method that started the
 * wait), innermost WAIT_STACK_FRAMES frames, for withStack. It is held by a
 * small object of its own: captureStackTrace turns its target's properties
 * into a dictionary, which on a wait object with a dozen fields costs more
 * than the stack.
 */
export function captureSite(site: Function): { stack?: string } {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  if (typeof limit === 'number' && limit > WAIT_STACK_FRAMES) Error.stackTraceLimit = WAIT_STACK_FRAMES;
  Error.captureStackTrace(holder, site);
  Error.stackTraceLimit = limit;
  return holder;
}

/** Gives a rejection the stack captured where the wait was started. */
export function withStack(error: unknown, site: { stack?: string }): unknown {
  if (error instanceof Error && typeof site.stack === 'string') {
    error.stack = `${error.name}: ${error.message}${site.stack.slice(site.stack.indexOf('\n'))}`;
  }
  return error;
}

// new Promise(capture) hands out the promise's resolve and reject through
// these, so a wait makes no executor closure of its own.
// The value's type is the promise's own; `unknown` here, narrowed where it is read.
let resolveOut: (value: unknown) => void = () => undefined;
let rejectOut: (reason: unknown) => void = () => undefined;
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  resolveOut = resolve;
  rejectOut = reject;
}

interface WaitExtras {
  signal: AbortSignal | undefined;
  clearTimer: (() => void) | undefined;
}

/**
 * One pending wait, bounded by `{signal, timeout}`: the object is at once
 * the promise's settle target and the abort listener (handleEvent), so a
 * pending wait costs this object, its promise and its caller's stack; a
 * timer and a listener exist only when the limits ask for them. Subclasses say how to start waiting and how to take it back.
 */
export class LimitedWait<T> {
  /** The caller's stack (captureSite), written into a rejection. */
  #site: { stack?: string } | undefined;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #owner: Set<LimitedWait<unknown>> | undefined;
  /** What only a wait with limits has: kept apart, so a plain wait is smaller. */
  #extras: WaitExtras | undefined;
  #done = false;

  /** Starts waiting; may settle at once. A throw rejects the wait. */
  protected start(): void {}

  /** Takes back what start() set up, when the wait is stopped before it settled. */
  protected cancel(): void {}

  /** True until the wait has settled. */
  get pending(): boolean {
    return !this.#done;
  }

  /**
   * Runs the wait: its promise. `site` is the public method that started it
   * (its caller's stack goes into a rejection); `what` names the awaited
   * thing in a TimeoutError. `owner`, if given, holds the wait while it is
   * pending, so closing the owner can stop every wait it has.
   */
  begin(limits: WaitLimits, what: string, site: Function, owner?: Set<LimitedWait<unknown>>): Promise<T> {
    this.#site = captureSite(site);
    const promise = new Promise<T>(capture as (resolve: (value: T) => void, reject: (reason: unknown) => void) => void);
    this.#resolve = resolveOut;
    this.#reject = rejectOut;
    const { signal, timeout } = limits;
    if (signal?.aborted) {
      this.settle(new AbortError(undefined, { cause: signal.reason }));
      return promise;
    }
    if (timeout !== undefined || signal) {
      const extras: WaitExtras = (this.#extras = { signal, clearTimer: undefined });
      if (timeout !== undefined) extras.clearTimer = longTimeout(timeout, () => this.stop(new TimeoutError(timeout, what)));
      signal?.addEventListener('abort', this, { once: true });
    }
    if (owner) {
      this.#owner = owner;
      owner.add(this as LimitedWait<unknown>);
    }
    try {
      this.start();
    } catch (error) {
      this.settle(error);
    }
    return promise;
  }

  /** Resolves with `value`, or rejects with `error` (given the caller's stack); once. */
  settle(error?: unknown, value?: T): void {
    if (this.#done) return;
    this.#done = true;
    this.#owner?.delete(this as LimitedWait<unknown>);
    const extras = this.#extras;
    if (extras) {
      extras.clearTimer?.();
      extras.signal?.removeEventListener('abort', this);
    }
    if (error === undefined) this.#resolve(value as T);
    else this.#reject(this.#site ? withStack(error, this.#site) : error);
  }

  /** Cancels a pending wait and rejects it with `reason`. */
  stop(reason: unknown): void {
    if (this.#done) return;
    this.cancel();
    this.settle(reason);
  }

  /** The abort signal fired (the wait is its listener object). */
  handleEvent(): void {
    this.stop(new AbortError(undefined, { cause: this.#extras?.signal?.reason }));
  }
}

/** A LimitedWait whose start is a function: `start(wait)` returns the cancel function. */
class StartedWait<T> extends LimitedWait<T> {
  readonly #start: (wait: LimitedWait<T>) => () => void;
  #cancel: (() => void) | undefined;

  constructor(start: (wait: LimitedWait<T>) => () => void) {
    super();
    this.#start = start;
  }

  protected override start(): void {
    this.#cancel = this.#start(this);
  }

  protected override cancel(): void {
    this.#cancel?.();
  }
}

/**
 * A promise that `start` settles through `wait.settle(error?, value?)`,
 * bounded by `limits`. `start` returns a cancel function, called (before
 * rejecting) when the signal fires, the timeout elapses, or the owner stops
 * the wait; never once it has settled. A throw from `start` rejects.
 */
export function limitedWait<T>(
  limits: WaitLimits,
  site: Function,
  what: string,
  start: (wait: LimitedWait<T>) => () => void,
  owner?: Set<LimitedWait<unknown>>,
): Promise<T> {
  return new StartedWait<T>(start).begin(limits, what, site, owner);
}
