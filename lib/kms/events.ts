// SPDX-License-Identifier: MIT
/**
 * KMS events read from the card fd on the event loop: page-flip completions
 * of atomic commits, vblank events and CRTC sequence events. One reader per
 * device drains the fd whenever anything is pending, so events nobody
 * awaits are still consumed: the kernel queues unread events against a
 * small per-file budget, and a file that stops reading them eventually
 * gets its commits refused.
 * @module
 */
import { AbortError, KernelError } from '../errors.js';
import { type FdWatcher, READABLE } from '../fd-watcher.js';
import { type RawKmsEvent, native } from '../native.js';

/**
 * The kernel event a `KmsEvent` came from: `'flip'` DRM_EVENT_FLIP_COMPLETE (a page flip or
 * atomic commit with DRM_MODE_PAGE_FLIP_EVENT), `'vblank'` DRM_EVENT_VBLANK,
 * `'sequence'` DRM_EVENT_CRTC_SEQUENCE (a sequence queued with `Kms.waitSequence`).
 */
export type KmsEventType = 'flip' | 'vblank' | 'sequence';

/** One event. JSON-able except `timestampNs` and `userData`. */
export interface KmsEvent {
  /** Which kernel event it is. */
  type: KmsEventType;
  /** The CRTC it is for (drm_event_vblank.crtc_id; for a sequence event, the CRTC the request was queued on). */
  crtcId: number;
  /** The CRTC's vblank counter at the event. */
  sequence: number;
  /** CLOCK_MONOTONIC nanoseconds: when the first pixel of the frame left the display engine. */
  timestampNs: bigint;
  /** The value the request carried (this library's commit number or sequence request number). */
  userData: bigint;
}

interface Expectation {
  crtcs: Set<number>;
  last?: KmsEvent;
  resolve(event: KmsEvent): void;
  reject(error: unknown): void;
}

/** Events kept per iterator that has not been read from; beyond this the oldest are dropped. */
export const EVENT_QUEUE_LIMIT = 256;

class Subscriber implements AsyncIterableIterator<KmsEvent> {
  readonly #reader: KmsEventReader;
  readonly queue: KmsEvent[] = [];
  #waiting: { resolve(r: IteratorResult<KmsEvent>): void; reject(e: unknown): void } | undefined;
  #ended: { error?: unknown } | undefined;
  dropped = 0;

  constructor(reader: KmsEventReader) {
    this.#reader = reader;
  }

  push(event: KmsEvent): void {
    if (this.#waiting) {
      const w = this.#waiting;
      this.#waiting = undefined;
      w.resolve({ value: event, done: false });
      return;
    }
    this.queue.push(event);
    if (this.queue.length > EVENT_QUEUE_LIMIT) {
      this.queue.shift();
      this.dropped++;
    }
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = error === undefined ? {} : { error };
    const w = this.#waiting;
    this.#waiting = undefined;
    if (w) error === undefined ? w.resolve({ value: undefined, done: true }) : w.reject(error);
  }

  next(): Promise<IteratorResult<KmsEvent>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.#ended) {
      const { error } = this.#ended;
      this.#ended = {};
      return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    if (this.#waiting) return Promise.reject(new Error('KMS event iterator: next() called while a previous next() is pending'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<KmsEvent>> {
    this.#reader.unsubscribe(this);
    this.end();
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function toEvent(raw: RawKmsEvent, crtcOfSequence: Map<bigint, number>): KmsEvent | undefined {
  const userData = raw.userData ?? 0n;
  if (raw.type === 1 || raw.type === 2) {
    return {
      type: raw.type === 2 ? 'flip' : 'vblank',
      crtcId: raw.crtcId ?? 0,
      sequence: raw.sequence ?? 0,
      timestampNs: BigInt(raw.sec ?? 0) * 1_000_000_000n + BigInt(raw.usec ?? 0) * 1000n,
      userData,
    };
  }
  if (raw.type === 3) {
    return {
      type: 'sequence',
      crtcId: crtcOfSequence.get(userData) ?? 0,
      sequence: Number(raw.sequenceBig ?? 0n),
      timestampNs: raw.timeNs ?? 0n,
      userData,
    };
  }
  return undefined; // driver-private events (type >= 0x80000000): not ours to interpret
}

/** @internal one per DrmDevice, owned by its Kms */
export class KmsEventReader {
  readonly #fd: () => number;
  readonly #watcher: () => FdWatcher;
  readonly #label: string;
  readonly #pending = new Map<bigint, Expectation>();
  readonly #sequenceCrtcs = new Map<bigint, number>();
  readonly #subscribers = new Set<Subscriber>();
  #nextUserData = 1n;
  #reading = false;

  constructor(fd: () => number, watcher: () => FdWatcher, label: string) {
    this.#fd = fd;
    this.#watcher = watcher;
    this.#label = label;
  }

  /**
   * Registers a commit's flip events before the commit is issued. The
   * promise resolves once each CRTC in `crtcs` has reported (or at the first
   * event when `crtcs` is empty). It is marked handled so that a commit
   * whose promise nobody awaits cannot crash the process on device close.
   */
  expect(crtcs: Iterable<number>): { userData: bigint; promise: Promise<KmsEvent>; cancel(): void } {
    const userData = this.#nextUserData++;
    const promise = new Promise<KmsEvent>((resolve, reject) => {
      this.#pending.set(userData, { crtcs: new Set(crtcs), resolve, reject });
    });
    promise.catch(() => undefined);
    return {
      userData,
      promise,
      cancel: () => {
        this.#pending.delete(userData);
        this.#sequenceCrtcs.delete(userData);
      },
    };
  }

  /** Registers a CRTC_QUEUE_SEQUENCE request's event. */
  expectSequence(crtcId: number): { userData: bigint; promise: Promise<KmsEvent>; cancel(): void } {
    const expectation = this.expect([crtcId]);
    this.#sequenceCrtcs.set(expectation.userData, crtcId);
    return expectation;
  }

  /** Starts reading once the request carrying `userData` was accepted. */
  started(): void {
    this.#ensureReading();
  }

  subscribe(): Subscriber {
    const sub = new Subscriber(this);
    this.#subscribers.add(sub);
    this.#ensureReading();
    return sub;
  }

  unsubscribe(sub: Subscriber): void {
    this.#subscribers.delete(sub);
  }

  /** How many commits and sequence requests still wait for their events. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Rejects everything pending and ends the iterators (the device is closing). */
  close(error: Error): void {
    for (const [userData, e] of this.#pending) {
      this.#pending.delete(userData);
      e.reject(error);
    }
    for (const sub of this.#subscribers) sub.end(error);
    this.#subscribers.clear();
  }

  #busy(): boolean {
    return this.#pending.size > 0 || this.#subscribers.size > 0;
  }

  #ensureReading(): void {
    if (this.#reading || !this.#busy()) return;
    this.#reading = true;
    this.#watcher()
      .wait(
        READABLE,
        () => {
          this.#drain();
          if (this.#busy()) return { done: false };
          // Cleared here, synchronously, so a commit made right after sees it.
          this.#reading = false;
          return { done: true, value: undefined };
        },
        {},
        'KMS events',
      )
      .catch((error: unknown) => {
        this.#reading = false;
        this.close(error instanceof Error ? error : new AbortError(String(error)));
      });
  }

  #drain(): void {
    const raw = native.kmsReadEvents(this.#fd());
    if (typeof raw === 'number') throw new KernelError(raw, { syscall: 'read', context: `reading KMS events of ${this.#label}` });
    for (const r of raw) {
      const event = toEvent(r, this.#sequenceCrtcs);
      if (!event) continue;
      for (const sub of this.#subscribers) sub.push(event);
      const e = this.#pending.get(event.userData);
      if (!e) continue;
      e.crtcs.delete(event.crtcId);
      e.last = event;
      if (e.crtcs.size === 0) {
        this.#pending.delete(event.userData);
        this.#sequenceCrtcs.delete(event.userData);
        e.resolve(event);
      }
    }
  }
}
