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
}

const warned = new Set<string>();

const registry = new FinalizationRegistry<Held>((held) => {
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

export function guard(owner: object, held: Held): void {
  registry.register(owner, held, owner);
}

export function unguard(owner: object): void {
  registry.unregister(owner);
}
