// SPDX-License-Identifier: MIT
/**
 * The safety net behind close(): an fd-owning object that is collected
 * without close() has its fd released here, with one warning per kind, like
 * Node's unclosed-FileHandle warning. It is a net, not the plan: collection
 * time is unpredictable, so code should close() or `using` what it opens.
 * @module
 */
import { AbortError } from './errors.js';
import type { FdWatcher } from './fd-watcher.js';
import { native } from './native.js';

/** What the registry keeps; it must not reference the owner, or the owner is never collected. */
export interface Held {
  fd: number;
  label: string;
  /** Closed first, so no poll handle outlives its fd (a watcher holds no reference to its owner). */
  watcher?: FdWatcher;
  /** Set by close(): the owner released its fd itself, and the net has nothing to do. */
  closed?: boolean;
}

const warned = new Set<string>();

const registry = new FinalizationRegistry<Held>((held) => {
  if (held.closed) return;
  held.watcher?.close(() => new AbortError(`${held.label} was garbage-collected`));
  // Natively, so a worker's Node does not warn about an fd fs never opened;
  // an error means it is already gone, and there is nothing to release.
  native.fdClose(held.fd);
  if (!warned.has(held.label)) {
    warned.add(held.label);
    process.emitWarning(
      `Unclosed ${held.label} (fd ${held.fd}) was garbage-collected; its fd was closed for you. ` +
        'Call close() or declare it with `using`.',
      { type: 'Warning', code: 'DMABUF_UNCLOSED' },
    );
  }
});

// Registered without an unregister token, and never unregistered: close()
// marks the entry instead. A token costs a hash-table insert and removal per
// object, which every sync_file export and heap allocation would pay; an
// entry whose owner closed costs one early-returning callback once the owner
// is collected. Measured under QEMU TCG with those callbacks and the GC
// included: 3.8 us per object with a token, 2.6 us without (minimums).
//
// Registered a turn of the event loop late, and only if still open then:
// the registry's callbacks run between tasks, never inside one, so an entry
// made at the end of the turn that made the object nets the same objects as
// one made at once, while an object closed within its turn (a sync_file
// exported, checked and closed per frame; a buffer allocated and freed)
// never costs an entry, a weak cell for the GC to trace, or a callback.
// Nor does it cost a Held: the owner makes its Held when it is registered
// (NET_ENTRY). The list holds its owners strongly until then; a long
// synchronous loop registers every BATCH objects, so it stays small. Each
// batch gets a new list, made at its full size: a list the GC has moved to
// the old generation makes every store of a new object into it a
// remembered-set entry, which cost more than the rest of the guard (139
// against 53 instructions an object, counted with callgrind). (An owner
// taking itself off the list at close(), so that registration need not ask
// it, was measured too: dearer, 40-300 instructions an object more.)
const BATCH = 1024;

/**
 * The method of a guarded owner that the net calls once, at
 * registration: the Held to register (which the owner keeps, to mark it at
 * close()), or undefined when it is closed already.
 */
export const NET_ENTRY = Symbol('dmabuf.netEntry');

/** What guard() takes: an owner that makes its own Held. */
export interface Guarded {
  [NET_ENTRY](): Held | undefined;
}

let waiting: Guarded[] = new Array<Guarded>(BATCH);
let count = 0;
let scheduled = false;

function registerWaiting(): void {
  const owners = waiting;
  const n = count;
  waiting = new Array<Guarded>(BATCH);
  count = 0;
  for (let i = 0; i < n; i++) {
    const owner = owners[i]!;
    const held = owner[NET_ENTRY]();
    if (held !== undefined) registry.register(owner, held);
  }
}

// The one pending immediate: a batch registered early does not schedule another.
function atTurnEnd(): void {
  scheduled = false;
  registerWaiting();
}

/** Puts `owner` under the net from the end of this turn, if it is still open then. */
export function guard(owner: Guarded): void {
  waiting[count++] = owner;
  if (count === BATCH) registerWaiting();
  else if (!scheduled) {
    scheduled = true;
    // Unref'd: a program with nothing else to do may exit without it (the fds go with the process).
    setImmediate(atTurnEnd).unref();
  }
}

/** The owner closed its fd after the net registered it: the net must neither close it again nor keep its watcher. */
export function unguard(held: Held): void {
  held.closed = true;
  held.watcher = undefined;
}
