// SPDX-License-Identifier: MIT
/**
 * The base of every class that owns a file descriptor.
 * @module
 */
import { type InspectOptions, inspect } from 'node:util';

import { AbortError, ClosedError } from './errors.js';
import { closeFd } from './fd-native.js';
import { FdWatcher } from './fd-watcher.js';
import { type Held, NET_ENTRY, guard, unguard } from './leak-guard.js';
import { native } from './native.js';

// The base's state is kept under these symbols (this module's own, so no
// other code reaches it), assigned in the constructor, rather than in class
// fields. V8 as Node 20 ships it does not inline a base class's field
// initializers into a subclass's super() call: with fields declared here,
// making any subclass (a SyncFile per frame, a DmaBuf per allocation) cost a
// call into the initializer, about 220 machine instructions, as much as the
// rest of the object's life (issue 14; counted with callgrind, and 40 vs 19
// ns per object on the host). A subclass's own fields and private methods do
// not have this cost; only the base's declarations do.
const FD = Symbol('fd');
const LABEL = Symbol('label');
const CLOSED = Symbol('closed');
const WATCHER = Symbol('watcher');
const HELD = Symbol('held');

/**
 * Owns one fd. `close()` releases it and is safe to call twice; it is also
 * `[Symbol.dispose]`, so `using` works. After close every method throws
 * ClosedError, and pending waits reject with AbortError.
 */
export abstract class FdResource implements Disposable {
  private declare readonly [FD]: number;
  private declare readonly [LABEL]: string;
  private declare [CLOSED]: boolean;
  private declare [WATCHER]: FdWatcher | undefined;
  /** The safety net's entry, made when the net registers this object (never, if closed within its turn). */
  private declare [HELD]: Held | undefined;

  /**
   * @param registered the native call that made the fd registered it with
   *   this environment already (dmaBufExportSyncFile, dmaHeapAlloc): one
   *   Node-API call fewer on the paths taken per frame
   */
  protected constructor(fd: number, label: string, registered = false) {
    this[FD] = fd;
    this[LABEL] = label;
    this[CLOSED] = false;
    this[WATCHER] = undefined;
    this[HELD] = undefined;
    guard(this);
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
    return this[CLOSED];
  }

  /** The fd, or ClosedError after close(). For subclasses' methods. */
  protected open(): number {
    if (this[CLOSED]) throw new ClosedError(`${this[LABEL]} (fd ${this[FD]})`);
    return this[FD];
  }

  /** The readiness watcher of this fd, created on first use. */
  protected watcher(): FdWatcher {
    const fd = this.open();
    let watcher = this[WATCHER];
    if (!watcher) {
      watcher = new FdWatcher(fd, this[LABEL]);
      this[WATCHER] = watcher;
      // The registry holds `held` strongly; the watcher does not reach `this`.
      const held = this[HELD];
      if (held) held.watcher = watcher;
    }
    return watcher;
  }

  /**
   * Releases the fd. Pending waits reject with AbortError. Calling it again
   * does nothing.
   * @throws {KernelError} only if the fd had already been closed behind this object's back (EBADF)
   */
  close(): void {
    if (this[CLOSED]) return;
    this[CLOSED] = true;
    const held = this[HELD];
    if (held) unguard(held);
    const watcher = this[WATCHER];
    if (watcher) {
      const label = this[LABEL];
      watcher.close(() => new AbortError(`${label} was closed while waiting`));
      this[WATCHER] = undefined;
    }
    closeFd(this[FD]);
  }

  /** @internal The safety net's registration (leak-guard.ts): what it keeps, unless closed already. */
  [NET_ENTRY](): Held | undefined {
    if (this[CLOSED]) return undefined;
    return (this[HELD] = { fd: this[FD], label: this[LABEL], watcher: this[WATCHER] });
  }

  /**
   * What console.log and util.inspect show: the class, its fd (or that it is
   * closed) and the subclass's own public fields, not the state kept above.
   */
  [inspect.custom](_depth?: number, options?: InspectOptions): string {
    const shown: Record<string, unknown> = this[CLOSED] ? { closed: true } : { fd: this[FD] };
    for (const key of Object.keys(this)) shown[key] = (this as unknown as Record<string, unknown>)[key];
    // node:util's own inspect, not the one util.inspect passes: other callers (test
    // runners' formatters) call this with the first two arguments only.
    return `${this.constructor.name} ${inspect(shown, options)}`;
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
