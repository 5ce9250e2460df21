// SPDX-License-Identifier: MIT
/**
 * Probe steps that need no device: sw_sync timelines, eventfd, and passing
 * an fd to another socket (SCM_RIGHTS over a socketpair).
 * @module
 */
import { EventFd, FdSocket, SwSyncTimeline } from '../index.js';
import { type Outcome, attempt } from './outcome.js';

export interface FdResults {
  swSync: Outcome;
  eventfd: Outcome;
  fdPassing: Outcome;
}

function mismatch(what: string): Error {
  return Object.assign(new Error(what), { code: 'ERR_PROBE_MISMATCH' });
}

export async function probeFds(step: (what: string) => void): Promise<FdResults> {
  step('trying sw_sync');
  const swSync = await attempt(() => {
    using timeline = SwSyncTimeline.create();
    using fence = timeline.createFence(1);
    timeline.advance(1);
    const { state } = fence.status();
    if (state !== 'signaled') throw mismatch(`a fence at point 1 is ${state} after advancing the timeline to 1`);
    return 'a fence signalled by advancing a timeline';
  });

  step('trying eventfd');
  const eventfd = await attempt(() => {
    using counter = EventFd.create(0);
    counter.write(3n);
    const value = counter.read();
    if (value !== 3n) throw mismatch(`read ${value} after writing 3`);
  });

  step('passing an fd over a socketpair');
  const fdPassing = await attempt(async () => {
    const [a, b] = FdSocket.pair();
    using sender = a;
    using receiver = b;
    using original = EventFd.create(0);
    await sender.send('probe', [original], { timeout: 5000 });
    const message = await receiver.receive({ timeout: 5000 });
    if (!message || message.fds.length !== 1) throw mismatch('the fd did not arrive');
    // The received fd is the same eventfd: a write through it is read from the original.
    using received = EventFd.fromFd(message.fds[0]!);
    received.write(7n);
    if (original.read() !== 7n) throw mismatch('the received fd is not the eventfd that was sent');
    return 'an eventfd over SCM_RIGHTS';
  });
  return { swSync, eventfd, fdPassing };
}
