// SPDX-License-Identifier: MIT
// Bad input to every public member is refused with a typed error carrying a
// `code`, and costs no fd. The table (test/helpers/bad-input.ts) must cover
// every export of lib/index.ts: a new public member without an entry fails
// here. On a host the objects are stand-ins: the library's own classes over
// fds any host has (/dev/null, a memfd), enough for every check that runs
// before the kernel is asked. test/devices/bad-input.test.ts repeats the
// table over real devices in the VM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Memfd } from '../../lib/index.js';
import { type Subjects, defineCases, fdCount, openPipe, publicMembers, table } from '../helpers/bad-input.js';
import { closeAll, peers, standIns } from '../helpers/stand-ins.js';

describe('bad input, on every public member', () => {
  const before = fdCount();
  let subjects: Subjects;
  let release: () => void = () => undefined;
  let backing: Memfd;

  beforeAll(() => {
    backing = Memfd.create('bad-input-backing', 4 * 4096);
    const [pipe, closePipe] = openPipe();
    const open = standIns(backing);
    const closed = standIns(backing);
    closeAll(closed);
    subjects = { ...open, closed, pipe };
    release = () => {
      closeAll(open);
      closePipe();
    };
  });

  afterAll(() => {
    release();
    for (const peer of peers) peer.close();
    backing.close();
    expect(fdCount()).toBe(before);
  });

  it('the table names every public member, and only those', () => {
    const members = publicMembers();
    expect(members.filter((m) => !(m in table)), 'members without an entry').toEqual([]);
    expect(Object.keys(table).filter((k) => !members.includes(k)), 'entries for no member').toEqual([]);
  });

  defineCases(() => subjects);
});
