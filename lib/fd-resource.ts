// SPDX-License-Identifier: MIT
/**
 * The base of every class that owns a file descriptor.
 * @module
 */
import { AbortError, ClosedError } from './errors.js';
import { closeFd } from './fd-native.js';
import { FdWatcher } from './fd-watcher.js';
import { type Held, guard, unguard } from './leak-guard.js';
import { native } from './native.js';

/**
 * Owns one fd. `close()` releases it and is safe to call twice; it is also
 * `[Symbol.dispose]`, so `using` works. After close every method throws
 * ClosedError, and pending waits reject with AbortError.
 */
export abstract class FdResource implements Disposable {
  readonly #fd: number;
  readonly #label: string;
  readonly #held: Held;
  #closed = false;
  #watcher: FdWatcher | undefined;

  /**
   * @param registered the native call that made the fd registered it with
   *   this environment already (dmaBufExportSyncFile, dmaHeapAlloc): one
   *   Node-API call fewer on the paths taken per frame
   */
  protected constructor(fd: number, label: string, registered = false) {
    this.#fd = fd;
    this.#label = label;
    this.#held = { fd, label };
    guard(this, this.#held);
    // Registered with this environment, whose cleanup hook closes it if the
    // environment ends first (a terminated worker runs no JavaScript).
    if (!registered) native.fdOwn(fd);
  }

  /** The fd number, for passing to other APIs. Ownership stays with this object. */
  get fd(): number {
    return this.open();
  }

  /** True once close() has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The fd, or ClosedError after close(). For subclasses' methods. */
  protected open(): number {
    if (this.#closed) throw new ClosedError(`${this.#label} (fd ${this.#fd})`);
    return this.#fd;
  }

  /** The readiness watcher of this fd, created on first use. */
  protected watcher(): FdWatcher {
    const fd = this.open();
    if (!this.#watcher) {
      const watcher = new FdWatcher(fd, this.#label);
      this.#watcher = watcher;
      // The registry holds `held` strongly; the watcher does not reach `this`.
      this.#held.watcher = watcher;
    }
    return this.#watcher;
  }

  /**
   * Releases the fd. Pending waits reject with AbortError. Calling it again
   * does nothing.
   * @throws {KernelError} only if the fd had already been closed behind this object's back (EBADF)
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unguard(this.#held);
    const label = this.#label;
    this.#watcher?.close(() => new AbortError(`${label} was closed while waiting`));
    this.#watcher = undefined;
    closeFd(this.#fd);
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
