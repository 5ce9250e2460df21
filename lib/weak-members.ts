// SPDX-License-Identifier: MIT
/**
 * A set of weakly held objects that can close, pruned as it grows: a long
 * -lived DmaBuf mapped every frame, or a VFIO device exporting per job,
 * must not accumulate one dead entry per child forever.
 * @module
 */

export class WeakMembers<T extends object> {
  readonly #refs = new Set<WeakRef<T>>();
  readonly #done: (member: T) => boolean;
  /** Prune when the set reaches this size; doubles with the live count, so pruning is amortized O(1) per add. */
  #limit = 16;

  /** @param done true for a member that no longer needs tracking (closed, say) */
  constructor(done: (member: T) => boolean) {
    this.#done = done;
  }

  add(member: T): void {
    if (this.#refs.size >= this.#limit) this.#prune();
    this.#refs.add(new WeakRef(member));
  }

  /** The members still alive and not done. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const ref of this.#refs) {
      const member = ref.deref();
      if (member && !this.#done(member)) yield member;
    }
  }

  get empty(): boolean {
    for (const _ of this) return false;
    return true;
  }

  clear(): void {
    this.#refs.clear();
    this.#limit = 16;
  }

  /** How many entries are held, live or not yet pruned (for tests). */
  get size(): number {
    return this.#refs.size;
  }

  #prune(): void {
    for (const ref of this.#refs) {
      const member = ref.deref();
      if (!member || this.#done(member)) this.#refs.delete(ref);
    }
    this.#limit = Math.max(16, this.#refs.size * 2);
  }
}
