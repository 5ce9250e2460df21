// SPDX-License-Identifier: MIT
// Property-based fuzzing (fast-check) of the core classes' argument shapes:
// whatever a caller passes, a call either works or throws (rejects with) a
// typed error with a `code`, and no fd outlives the call. The bad-input table
// names the known bad inputs; this looks for the ones nobody thought of.
import { openSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DmaBuf, EventFd, FdSocket, Memfd, SyncFile } from '../../lib/index.js';
import { fdCount, isTyped, outcome } from '../helpers/bad-input.js';

/** Values of every shape, weighted towards the edges of numbers. */
const junk = fc.oneof(
  fc.anything(),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.string(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 31, 2 ** 32, 2 ** 53, -1, 0.5, '', '\0', null, undefined, [], {}),
);

/** An options bag: mostly the accepted keys, sometimes a stranger. */
const bag = (keys: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(junk, fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), junk, { maxKeys: 3 }));

/** Runs `call` and checks the promise of the library: works, or fails typed, and keeps no fd. */
async function holds(call: () => unknown): Promise<void> {
  const before = fdCount();
  const result = await outcome(call, 1000);
  expect(result, 'a wait ignored its limits').not.toBe('pending');
  if (result !== 'accepted') expect(isTyped(result), `untyped: ${String(result)} ${(result as Error)?.stack ?? ''}`).toBe(true);
  expect(fdCount()).toBe(before);
}

const runs = { numRuns: 150 };

describe('fuzzing argument shapes', () => {
  it('EventFd.create, write, wait', async () => {
    await fc.assert(
      fc.asyncProperty(junk, bag(['semaphore', 'cloexec']), junk, bag(['signal', 'timeout']), async (initval, opts, value, limits) => {
        await holds(() => EventFd.create(initval as never, opts as never));
        using efd = EventFd.create(1);
        await holds(() => efd.write(value as never));
        await holds(() => efd.wait(limits as never));
      }),
      runs,
    );
  });

  it('Memfd.create, addSeals', async () => {
    await fc.assert(
      fc.asyncProperty(junk, junk, bag(['cloexec']), junk, async (name, size, opts, seals) => {
        await holds(() => Memfd.create(name as never, size as never, opts as never));
        using memfd = Memfd.create('fuzz', 4096);
        await holds(() => memfd.addSeals(seals as never));
      }),
      runs,
    );
  });

  it('DmaBuf (over a memfd): map, setName, whenReadable', async () => {
    using memfd = Memfd.create('fuzz', 4 * 4096);
    await fc.assert(
      fc.asyncProperty(bag(['access', 'offset', 'length']), junk, bag(['signal', 'timeout']), async (opts, name, limits) => {
        using buf = new DmaBuf(openSync(`/proc/self/fd/${memfd.fd}`, 'r+'));
        await holds(() => buf.map(opts as never));
        await holds(() => buf.setName(name as never));
        // A memfd polls readable at once, so an accepted wait settles.
        await holds(() => buf.whenReadable(limits as never));
      }),
      runs,
    );
  });

  it('SyncFile (over /dev/null): merge, setDeadline, mergeAll', async () => {
    await fc.assert(
      fc.asyncProperty(junk, bag(['name']), junk, async (other, opts, deadline) => {
        using file = SyncFile.adopt(openSync('/dev/null', 'r'));
        await holds(() => file.merge(other as never, opts as never));
        await holds(() => file.setDeadline(deadline as never));
        await holds(() => SyncFile.mergeAll(other as never, opts as never));
      }),
      runs,
    );
  });

  it('FdSocket: send, receive', async () => {
    await fc.assert(
      fc.asyncProperty(
        junk,
        fc.oneof(junk, fc.array(fc.oneof(junk, fc.constantFrom(-1, 2 ** 31, 0x7ffffff0)), { maxLength: 4 })),
        bag(['signal', 'timeout']),
        bag(['maxBytes', 'maxFds', 'signal', 'timeout']),
        async (data, fds, limits, opts) => {
          const before = fdCount();
          {
            const [a, b] = FdSocket.pair();
            using _a = a;
            using _b = b;
            await holds(() => a.send(data as never, fds as never, limits as never));
            // Give receive something to read, so an accepted call settles.
            await a.send('x');
            const got = await outcome(() => b.receive(opts as never), 1000);
            expect(got === 'accepted' || isTyped(got), `untyped: ${String(got)}`).toBe(true);
          }
          expect(fdCount()).toBe(before);
        },
      ),
      runs,
    );
  });
});
