// SPDX-License-Identifier: MIT
/**
 * eventfd: a kernel counter behind an fd, the wake-up channel of DRM
 * syncobj eventfds and VFIO interrupts.
 * @module
 */
import { assertSize, flag, options, rangeError, toU64 } from './args.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE } from './constants.js';
import { EAGAIN, KernelError, check } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { FdResource } from './fd-resource.js';
import { READABLE } from './fd-watcher.js';
import { type WaitLimits, checkWaitLimits } from './wait-limits.js';
import { native } from './native.js';

// Error details made once: read and write are per wake-up.
const READ = Object.freeze({ syscall: 'read', context: 'eventfd' });
const WRITE = Object.freeze({ syscall: 'write', context: 'eventfd' });

const NOT_YET = Object.freeze({ done: false as const });

/** The largest value write() takes: the counter's maximum, 2^64-2 (2^64-1 is not a value eventfd accepts). */
const WRITE_MAX = 0xfffffffffffffffen;

/** write()'s value checked and converted: a number becomes a bigint; anything else gets its error. */
function writeValue(value: unknown): bigint {
  const v = toU64('value', value);
  if (v === 0n || v > WRITE_MAX) throw rangeError(`value must be from 1 to 2^64-2, received ${v}`);
  return v;
}

/** wait()'s attempt: one function for every wait, given the EventFd. */
function readAttempt(efd: EventFd): { done: true; value: bigint } | { done: false } {
  const value = efd.read();
  return value === undefined ? NOT_YET : { done: true, value };
}

/** Options of `EventFd.create()`. */
export interface EventFdOptions {
  /** Each read takes 1 instead of the whole count (EFD_SEMAPHORE). Default false. */
  semaphore?: boolean;
  /** Close on exec (default true). */
  cloexec?: boolean;
}

/**
 * Owns an eventfd. Always non-blocking: reads never block a thread, waits go
 * through the event loop. Needs nothing beyond CONFIG_EVENTFD.
 */
export class EventFd extends FdResource {
  private constructor(fd: number) {
    super(fd, 'eventfd');
  }

  /**
   * Creates an eventfd with counter `initval` (eventfd(2)).
   * @throws {TypeError} / {RangeError} bad initval or options
   * @throws {KernelError} EMFILE and the like
   */
  static create(initval = 0, opts?: EventFdOptions): EventFd {
    assertSize('initval', initval);
    if (initval > 0xffffffff) throw rangeError(`initval must fit in 32 bits (eventfd(2) takes an unsigned int), received ${initval}`);
    const o = options<EventFdOptions>('options', opts, ['semaphore', 'cloexec']);
    const flags =
      EFD_NONBLOCK |
      (flag('options.semaphore', o.semaphore, false) ? EFD_SEMAPHORE : 0) |
      (flag('options.cloexec', o.cloexec, true) ? EFD_CLOEXEC : 0);
    return new EventFd(check(native.eventfdCreate(initval, flags), { syscall: 'eventfd' }));
  }

  /**
   * Takes ownership of an open eventfd. Its blocking mode is left as it is:
   * pass a non-blocking one (EFD_NONBLOCK), or read() may block the thread.
   * @throws {FdTypeError} the fd is not an eventfd
   */
  static fromFd(fd: number): EventFd {
    assertFdKind(fd, 'eventFd');
    return new EventFd(fd);
  }

  /**
   * Adds `value` to the counter, waking readers.
   * @throws {RangeError} value outside 1..2^64-2
   * @throws {KernelError} EAGAIN when the counter would overflow
   * @throws {ClosedError} after close()
   */
  write(value: bigint | number = 1n): void {
    // A bigint in range is checked in one pass; a number or a bad value takes the full check.
    const v = typeof value === 'bigint' && value >= 1n && value <= WRITE_MAX ? value : writeValue(value);
    const rc = native.eventfdWrite(this.open(), v);
    if (rc < 0) throw new KernelError(rc, WRITE);
  }

  /**
   * Reads and resets the counter (or takes 1 in semaphore mode). Returns
   * undefined when the counter is zero.
   * @throws {ClosedError} after close()
   */
  read(): bigint | undefined {
    const value = native.eventfdRead(this.open());
    if (typeof value === 'bigint') return value;
    if (value === EAGAIN) return undefined;
    throw new KernelError(value, READ);
  }

  /**
   * Resolves with the counter (as read() takes it) once it is non-zero.
   * @throws {AbortError} (rejection) the signal fired, or the EventFd was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   */
  wait(limits: WaitLimits = {}): Promise<bigint> {
    try {
      return this.watcher().wait<bigint, EventFd>(READABLE, readAttempt, checkWaitLimits(limits), 'eventfd', this);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
