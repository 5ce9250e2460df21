// SPDX-License-Identifier: MIT
/**
 * What a commit hands back. A compositor commits every frame and most
 * frames ask for no fences: the fence maps are made when first read, so such
 * a commit allocates one small object (issue 14).
 * @module
 */
import { type InspectOptions, inspect } from 'node:util';

import type { SyncFile } from '../sync-file.js';
import type { KmsEvent } from './events.js';

/** What `AtomicRequest.commit()` hands back once DRM_IOCTL_MODE_ATOMIC has returned. */
export interface CommitResult {
  /** With `event`: resolves when each CRTC the request names has flipped (with the last CRTC's event). */
  readonly flipped?: Promise<KmsEvent>;
  /** OUT_FENCE_PTR fences by CRTC id, owned by the caller: each signals when its CRTC shows the new frame. New SyncFiles at every commit. */
  readonly outFences: Map<number, SyncFile>;
  /** WRITEBACK_OUT_FENCE_PTR fences by connector id, owned by the caller: each signals when the capture is written. New SyncFiles at every commit. */
  readonly writebackFences: Map<number, SyncFile>;
}

/** @internal one commit's result; its maps are made on first read (each commit's its own). */
export class Committed implements CommitResult {
  declare readonly flipped?: Promise<KmsEvent>;
  #out: Map<number, SyncFile> | undefined;
  #writeback: Map<number, SyncFile> | undefined;

  constructor(flipped: Promise<KmsEvent> | undefined) {
    // Only a commit with an event has the key, as a plain result would.
    if (flipped) this.flipped = flipped;
  }

  get outFences(): Map<number, SyncFile> {
    return (this.#out ??= new Map());
  }

  get writebackFences(): Map<number, SyncFile> {
    return (this.#writeback ??= new Map());
  }

  /** console.log and util.inspect show the result as the plain object it stands for, maps included. */
  // node:util's own inspect, not the third argument util.inspect passes: other
  // callers (test runners' formatters) give the first two only.
  [inspect.custom](_depth?: number, options?: InspectOptions): string {
    const plain = this.flipped ? { flipped: this.flipped } : {};
    return inspect({ ...plain, outFences: this.outFences, writebackFences: this.writebackFences }, options);
  }
}
