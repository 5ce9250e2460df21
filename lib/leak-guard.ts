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
// never costs an entry, a weak cell for the GC to trace, or a callback. The
// waiting list holds its owners strongly until then; a long synchronous
// loop registers every BATCH objects, so the list stays small.
const BATCH = 1024;
const waitingOwners: object[] = [];
const waitingHeld: Held[] = [];
let scheduled = false;

function registerWaiting(): void {
  for (let i = 0; i < waitingOwners.length; i++) {
    const held = waitingHeld[i]!;
    if (!held.closed) registry.register(waitingOwners[i]!, held);
  }
  waitingOwners.length = 0;
  waitingHeld.length = 0;
}

// The one pending immediate: a batch registered early does not schedule another.
function atTurnEnd(): void {
  scheduled = false;
  registerWaiting();
}

export function guard(owner: object, held: Held): void {
  waitingOwners.push(owner);
  waitingHeld.push(held);
  if (waitingOwners.length >= BATCH) registerWaiting();
  else if (!scheduled) {
    scheduled = true;
    // Unref'd: a program with nothing else to do may exit without it (the fds go with the process).
    setImmediate(atTurnEnd).unref();
  }
}

/** The owner closed its fd: the net must neither close it again nor keep its watcher. */
export function unguard(held: Held): void {
  held.closed = true;
  held.watcher = undefined;
}
