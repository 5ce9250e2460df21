// SPDX-License-Identifier: MIT
// SCM_RIGHTS fd passing needs no device: eventfds and memfds travel too.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AbortError, ClosedError, EventFd, FdServer, FdSocket, KernelError, Memfd } from '../../lib/index.js';
import { distEntry, fdCount, leavesNoFdsOpen } from '../helpers/env.js';

describe('FdSocket', () => {
  leavesNoFdsOpen();

  it('sends a payload with fds; the receiver gets the same files', async () => {
    const [a, b] = FdSocket.pair();
    using _a = a;
    using _b = b;
    using efd = EventFd.create();
    using memfd = Memfd.create('shared', 4096);
    await a.send('frame 1', [efd, memfd.fd]);
    const message = await b.receive();
    expect(message?.data.toString()).toBe('frame 1');
    expect(message?.fds).toHaveLength(2);
    using received = EventFd.fromFd(message!.fds[0]!);
    using receivedMemfd = Memfd.fromFd(message!.fds[1]!);
    expect(receivedMemfd.size).toBe(4096);
    received.write(9n);
    expect(efd.read()).toBe(9n);
  });

  it('keeps message boundaries and resolves null when the peer closes', async () => {
    const [a, b] = FdSocket.pair();
    using _b = b;
    await a.send('one');
    await a.send('two');
    a.close();
    expect((await b.receive())?.data.toString()).toBe('one');
    expect((await b.receive())?.data.toString()).toBe('two');
    await expect(b.receive()).resolves.toBeNull();
  });

  it('listens at a path and accepts connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmabuf-sock-'));
    try {
      using server = FdServer.listen(join(dir, 'sock'));
      const accepted = server.accept({ timeout: 5000 });
      using client = FdSocket.connect(server.path);
      using peer = await accepted;
      using efd = EventFd.create(3);
      await client.send('hi', [efd]);
      const message = await peer.receive();
      expect(message?.data.toString()).toBe('hi');
      using got = EventFd.fromFd(message!.fds[0]!);
      expect(got.read()).toBe(3n);
      expect(() => FdServer.listen(server.path)).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
      expect(() => FdSocket.connect(join(dir, 'nobody'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('a message with more fds than allowed is an error and leaks none', async () => {
    const [a, b] = FdSocket.pair();
    using _a = a;
    using _b = b;
    using e1 = EventFd.create();
    using e2 = EventFd.create();
    using e3 = EventFd.create();
    const before = fdCount();
    await a.send('x', [e1, e2, e3]);
    const error = await b.receive({ maxFds: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('EMSGSIZE');
    expect((error as Error).message).toMatch(/more than 1 fds \(they were closed\)/);
    await a.send('y'.repeat(100), [e1]);
    await expect(b.receive({ maxBytes: 10 })).rejects.toMatchObject({ code: 'EMSGSIZE' });
    expect(fdCount()).toBe(before);
  });

  it('passes fds to a child process started by child_process', async () => {
    const [mine, theirs] = FdSocket.pair();
    using _mine = mine;
    const dist = distEntry.href;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { FdSocket, EventFd } = await import(${JSON.stringify(dist)});
         const socket = FdSocket.fromFd(3);
         const message = await socket.receive();
         const efd = EventFd.fromFd(message.fds[0]);
         efd.write(BigInt(message.data.toString()));
         await socket.send('done');
         efd.close(); socket.close();`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit', theirs.fd] },
    );
    theirs.close();
    using efd = EventFd.create();
    await mine.send('41', [efd]);
    expect((await mine.receive({ timeout: 20_000 }))?.data.toString()).toBe('done');
    expect(efd.read()).toBe(41n);
    await new Promise((resolve) => child.on('exit', resolve));
  });

  it('bad input: closed objects, closed fd numbers, closed sockets, wrong types', async () => {
    const [a, b] = FdSocket.pair();
    using _b = b;
    const efd = EventFd.create();
    const stale = efd.fd;
    efd.close();
    await expect(a.send('x', [efd])).rejects.toBeInstanceOf(ClosedError);
    await expect(a.send('x', [stale])).rejects.toMatchObject({ name: 'KernelError', code: 'EBADF' });
    await expect(a.send('x', ['3' as never])).rejects.toBeInstanceOf(TypeError);
    await expect(a.send('x', new Array(254).fill(0))).rejects.toBeInstanceOf(RangeError);
    await expect(a.send(42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(b.receive({ maxFds: 300 })).rejects.toBeInstanceOf(RangeError);
    const pending = a.receive();
    a.close();
    a.close();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(a.receive()).rejects.toBeInstanceOf(ClosedError);
    await expect(a.send('x')).rejects.toBeInstanceOf(ClosedError);
    await expect(b.send('x')).rejects.toMatchObject({ code: 'EPIPE' });
    const devNull = openSync('/dev/null', 'r');
    try {
      expect(() => FdSocket.fromFd(devNull)).toThrow(/is not a socket/);
    } finally {
      closeSync(devNull);
    }
  });
});
