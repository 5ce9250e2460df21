// SPDX-License-Identifier: MIT
/**
 * Passing fds between processes: AF_UNIX SOCK_SEQPACKET sockets whose
 * messages carry a payload and fds (SCM_RIGHTS).
 *
 * Why not Node's `net` sockets: libuv reads a net socket itself, with a plain
 * read, and the kernel discards (closes) fds attached to data read that way.
 * These sockets are read only by this class, and each message keeps its
 * boundary, so a payload always arrives with exactly its own fds.
 * @module
 */
import { unlinkSync } from 'node:fs';

import { assertArray, assertFd, assertInt, assertPath, options, rangeError, typeError } from './args.js';
import { EAGAIN, EMSGSIZE, KernelError, check } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { closeFd } from './fd-native.js';
import { FdResource } from './fd-resource.js';
import { READABLE, WRITABLE } from './fd-watcher.js';
import { type WaitLimits, checkWaitLimits } from './wait-limits.js';
import { native } from './native.js';

/** The kernel's limit on fds in one message (SCM_MAX_FD). */
export const MAX_FDS_PER_MESSAGE = 253;

/** Something that is, or owns, an fd. */
export type FdLike =
  | number
  | {
      /** The fd it owns. */
      readonly fd: number;
    };

/** Options of `FdSocket.receive()`. */
export interface ReceiveOptions extends WaitLimits {
  /** Largest payload accepted, in bytes (default 65536); a longer message is an error. */
  maxBytes?: number;
  /** Most fds accepted (default 16, at most 253); a message with more is an error and its fds are closed. */
  maxFds?: number;
}

/** A received message. The fds are now this process's to own: adopt them (`DmaBuf.fromFd`) or close them. */
export interface Message {
  /** The payload, exactly as sent. */
  data: Buffer;
  /** The fds that came with it, in the order sent. */
  fds: number[];
}

function fdOf(value: FdLike, name: string): number {
  if (typeof value !== 'number' && (value === null || typeof value !== 'object' || !('fd' in value))) {
    throw typeError(`${name} must be an fd number or an object with an fd, received ${value === null ? 'null' : typeof value}`);
  }
  const fd = typeof value === 'number' ? value : value.fd;
  assertFd(name, fd);
  return fd;
}

/**
 * One end of a connection that carries fds. Needs nothing beyond AF_UNIX.
 * Sending duplicates the fds into the receiver; the sender keeps its own.
 */
export class FdSocket extends FdResource {
  private constructor(fd: number) {
    super(fd, 'fd socket');
  }

  /**
   * Two connected sockets (socketpair). Give one to a child process through
   * `spawn`'s `stdio` array and close your copy of it.
   * @throws {KernelError} EMFILE and the like
   */
  static pair(): [FdSocket, FdSocket] {
    const [a, b] = check(native.socketPair(), { syscall: 'socketpair' });
    return [new FdSocket(a), new FdSocket(b)];
  }

  /**
   * Connects to an FdServer listening at `path`.
   * @throws {KernelError} ENOENT / ECONNREFUSED: nobody listens there; EAGAIN: its backlog is full
   */
  static connect(path: string): FdSocket {
    assertPath('path', path);
    return new FdSocket(check(native.socketConnect(path), { syscall: 'connect', path }));
  }

  /**
   * Takes ownership of an inherited socket fd (for example fd 3 in a child).
   * It should be non-blocking and of type SOCK_SEQPACKET, as `pair()` makes.
   * @throws {FdTypeError} the fd is not a socket
   */
  static fromFd(fd: number): FdSocket {
    assertFdKind(fd, 'socket');
    return new FdSocket(fd);
  }

  /**
   * Sends one message: `data` (at least one byte travels, as the kernel
   * needs) with `fds` attached. Waits on the event loop if the socket's
   * buffer is full.
   * @param fds fd numbers or objects with an `fd` (DmaBuf, SyncFile…); a closed object throws ClosedError
   * @throws {RangeError} more than 253 fds
   * @throws {KernelError} (rejection) EBADF for a closed fd number; EPIPE when the peer is gone
   */
  async send(data: Uint8Array | string = new Uint8Array(), fds: readonly FdLike[] = [], limits: WaitLimits = {}): Promise<void> {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    if (!(payload instanceof Uint8Array)) throw typeError('data must be a Uint8Array or a string');
    assertArray('fds', fds);
    if (fds.length > MAX_FDS_PER_MESSAGE) throw rangeError(`at most ${MAX_FDS_PER_MESSAGE} fds fit in one message, received ${fds.length}`);
    const numbers = fds.map((f, i) => fdOf(f, `fds[${i}]`));
    const checked = checkWaitLimits(limits);
    await this.watcher().wait(
      WRITABLE,
      () => {
        const sent = native.sendFds(this.open(), payload, numbers);
        if (sent === EAGAIN) return { done: false };
        check(sent, { syscall: 'sendmsg', context: 'sending fds' });
        return { done: true, value: undefined };
      },
      checked,
      'socket send',
    );
  }

  /**
   * Receives one message. Resolves `null` when the peer has closed.
   * @throws {KernelError} (rejection) EMSGSIZE when the message had more bytes or fds than allowed (its fds are closed, none leak)
   * @throws {AbortError} / {TimeoutError} (rejection) from the limits, or close()
   */
  receive(opts: ReceiveOptions = {}): Promise<Message | null> {
    try {
      const o = options<ReceiveOptions>('options', opts, ['maxBytes', 'maxFds', 'signal', 'timeout']);
      const maxBytes = o.maxBytes ?? 65536;
      const maxFds = o.maxFds ?? 16;
      assertInt('options.maxBytes', maxBytes, 1, 1 << 26);
      assertInt('options.maxFds', maxFds, 0, MAX_FDS_PER_MESSAGE);
      const limits = checkWaitLimits({ signal: o.signal, timeout: o.timeout });
      return this.watcher().wait<Message | null>(
        READABLE,
        () => {
          const got = native.recvFds(this.open(), maxBytes, maxFds);
          if (got === EAGAIN) return { done: false };
          const message = check(got, { syscall: 'recvmsg', context: 'receiving fds' });
          if (message.fdsTruncated || message.dataTruncated) {
            // Native code already closed the fds of a control-truncated message; these came with over-long data.
            for (const fd of message.fds) closeFd(fd);
            const what = message.fdsTruncated ? `more than ${maxFds} fds (they were closed)` : `more than ${maxBytes} bytes`;
            throw new KernelError(EMSGSIZE, { syscall: 'recvmsg', context: `message carried ${what}` });
          }
          if (message.data.length === 0 && message.fds.length === 0) return { done: true, value: null };
          return { done: true, value: { data: message.data, fds: message.fds } };
        },
        limits,
        'socket receive',
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** A listening socket at a filesystem path; `accept()` yields FdSockets. */
export class FdServer extends FdResource {
  /** The socket's path in the filesystem, removed again by `close()`. */
  readonly path: string;

  private constructor(fd: number, path: string) {
    super(fd, `fd server ${path}`);
    this.path = path;
  }

  /**
   * Listens at `path` (which must not exist yet; at most 107 bytes).
   * @throws {TypeError} path is not a string, is empty or contains NUL (code ERR_INVALID_ARG_VALUE)
   * @throws {KernelError} EADDRINUSE: the path exists; ENAMETOOLONG
   */
  static listen(path: string, opts?: { backlog?: number }): FdServer {
    assertPath('path', path);
    const backlog = options<{ backlog: number }>('options', opts, ['backlog']).backlog ?? 16;
    assertInt('options.backlog', backlog, 1, 4096);
    return new FdServer(check(native.socketListen(path, backlog), { syscall: 'bind', path }), path);
  }

  /**
   * Resolves with the next connection.
   * @throws {AbortError} / {TimeoutError} (rejection) from the limits, or close()
   */
  accept(limits: WaitLimits = {}): Promise<FdSocket> {
    try {
      return this.watcher().wait<FdSocket>(
        READABLE,
        () => {
          const fd = native.socketAccept(this.open());
          if (fd === EAGAIN) return { done: false };
          return { done: true, value: FdSocket.fromFd(check(fd, { syscall: 'accept', path: this.path })) };
        },
        checkWaitLimits(limits),
        'accept',
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stops listening and removes the socket file. */
  override close(): void {
    if (this.closed) return;
    super.close();
    try {
      unlinkSync(this.path);
    } catch {
      // Already removed by someone else.
    }
  }
}
