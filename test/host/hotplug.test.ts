// SPDX-License-Identifier: MIT
// DrmHotplugMonitor without a DRM device: the uevent parser on crafted
// messages, the monitor's lifetime (close, abort, timeout, iterator end), a
// forged uevent from a user process being ignored, and no leaked fds. The
// real kernel events (vkms appearing, going, changing) are in
// test/devices/hotplug.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { AbortError, ClosedError, DrmHotplugMonitor, TimeoutError } from '../../lib/index.js';
import { toDrmHotplugEvent } from '../../lib/kms/hotplug.js';
import { parseUevent } from '../../lib/kms/uevent.js';
import { leavesNoFdsOpen } from '../helpers/env.js';

/** A datagram as the kernel builds it: `ACTION@DEVPATH\0` then `KEY=VALUE\0` fields. */
function uevent(action: string, devpath: string, fields: Record<string, string>): Buffer {
  const env = { ACTION: action, DEVPATH: devpath, ...fields };
  return Buffer.from(`${action}@${devpath}\0${Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join('')}`);
}

const CARD = '/devices/faux/vkms/drm/card1';

describe('uevent parsing', () => {
  it('reads a card hotplug event with connector and property', () => {
    const event = toDrmHotplugEvent(
      uevent('change', CARD, { SUBSYSTEM: 'drm', DEVNAME: 'dri/card1', DEVTYPE: 'drm_minor', HOTPLUG: '1', CONNECTOR: '36', PROPERTY: '7', SEQNUM: '1234', MAJOR: '226', MINOR: '1' }),
    );
    expect(event).toEqual({
      action: 'change',
      devpath: CARD,
      devtype: 'drm_minor',
      devname: 'dri/card1',
      path: '/dev/dri/card1',
      hotplug: true,
      lease: false,
      connector: 36,
      property: 7,
      seqnum: 1234,
      env: expect.objectContaining({ MAJOR: '226', MINOR: '1', SUBSYSTEM: 'drm' }),
    });
    expect(Object.isFrozen(event?.env)).toBe(true);
  });

  it('reads add/remove of a node and of a connector (no DEVNAME), and LEASE=1', () => {
    expect(toDrmHotplugEvent(uevent('add', CARD, { SUBSYSTEM: 'drm', DEVNAME: 'dri/card1', SEQNUM: '5' }))).toMatchObject({
      action: 'add',
      path: '/dev/dri/card1',
      hotplug: false,
    });
    const connector = toDrmHotplugEvent(uevent('remove', `${CARD}/card1-Virtual-1`, { SUBSYSTEM: 'drm', DEVTYPE: 'drm_connector', SEQNUM: '6' }));
    expect(connector).toMatchObject({ action: 'remove', devtype: 'drm_connector' });
    expect(connector).not.toHaveProperty('path');
    expect(connector).not.toHaveProperty('connector');
    expect(toDrmHotplugEvent(uevent('change', CARD, { SUBSYSTEM: 'drm', LEASE: '1', SEQNUM: '7' }))?.lease).toBe(true);
  });

  it('ignores other subsystems, udevd\'s "libudev" messages and malformed datagrams', () => {
    expect(toDrmHotplugEvent(uevent('add', '/devices/virtual/net/lo', { SUBSYSTEM: 'net', SEQNUM: '1' }))).toBeUndefined();
    const udev = Buffer.concat([Buffer.from('libudev\0'), Buffer.from([0xfe, 0xed, 0xca, 0xfe]), uevent('add', CARD, { SUBSYSTEM: 'drm' })]);
    expect(parseUevent(udev)).toBeUndefined();
    expect(parseUevent(Buffer.alloc(0))).toBeUndefined();
    expect(parseUevent(Buffer.from('no header here\0ACTION=add\0'))).toBeUndefined();
    expect(parseUevent(uevent('explode', CARD, { SUBSYSTEM: 'drm' }))).toBeUndefined();
    expect(parseUevent(Buffer.from(`add@${CARD}\0ACTION=remove\0DEVPATH=${CARD}\0`))).toBeUndefined(); // header disagrees
    expect(parseUevent(Buffer.from(`add@${CARD}\0SUBSYSTEM=drm\0`))).toBeUndefined(); // ACTION/DEVPATH missing
    expect(parseUevent(Buffer.from([0xff, 0x40, 0x2f, 0x00]))).toBeUndefined();
  });

  it('refuses a DEVNAME that would leave /dev, and non-numeric ids', () => {
    for (const DEVNAME of ['../etc/passwd', '/etc/passwd', 'dri/../../x']) {
      const event = toDrmHotplugEvent(uevent('add', CARD, { SUBSYSTEM: 'drm', DEVNAME, SEQNUM: '1' }));
      expect(event, DEVNAME).not.toHaveProperty('path');
      expect(event).not.toHaveProperty('devname');
    }
    const event = toDrmHotplugEvent(uevent('change', CARD, { SUBSYSTEM: 'drm', HOTPLUG: '1', CONNECTOR: '-3', PROPERTY: '1e3', SEQNUM: 'x' }));
    expect(event).not.toHaveProperty('connector');
    expect(event).not.toHaveProperty('property');
    expect(event?.seqnum).toBe(0);
  });
});

describe('DrmHotplugMonitor lifetime', () => {
  leavesNoFdsOpen();

  it('times out and aborts like every other wait', async () => {
    using monitor = DrmHotplugMonitor.open();
    await expect(monitor.next({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const pending = monitor.next({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(monitor.next({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('close() rejects a pending next() with AbortError and ends an iterator (done)', async () => {
    const monitor = DrmHotplugMonitor.open();
    const pending = monitor.next();
    const iterator = monitor.events();
    const step = iterator.next();
    setTimeout(() => monitor.close(), 10);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(step).resolves.toEqual({ done: true, value: undefined });
    expect(monitor.closed).toBe(true);
    monitor.close(); // twice is fine
  });

  it('an iterator whose monitor was closed between two steps ends (done), not ClosedError', async () => {
    const monitor = DrmHotplugMonitor.open();
    const iterator = monitor.events();
    monitor.close();
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('an iterator\'s own signal ends it with AbortError, and leaving the loop closes the monitor', async () => {
    const monitor = DrmHotplugMonitor.open();
    const controller = new AbortController();
    const loop = (async () => {
      for await (const event of monitor.events({ signal: controller.signal })) void event;
    })();
    setTimeout(() => controller.abort(), 10);
    await expect(loop).rejects.toBeInstanceOf(AbortError);
    expect(monitor.closed).toBe(true);
  });

  it('a closed monitor throws ClosedError; bad arguments are TypeError/RangeError', async () => {
    const monitor = DrmHotplugMonitor.open();
    expect(() => monitor.events({ signal: 'soon' as unknown as AbortSignal })).toThrow(TypeError);
    await expect(monitor.next({ timeout: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(monitor.next(42 as unknown as object)).rejects.toBeInstanceOf(TypeError);
    monitor.close();
    await expect(monitor.next()).rejects.toBeInstanceOf(ClosedError);
    expect(() => monitor.events()).toThrow(ClosedError);
    expect(() => monitor[Symbol.asyncIterator]()).toThrow(ClosedError);
    expect(() => monitor.fd).toThrow(ClosedError);
  });

  it('ignores a uevent forged by a user process (only the kernel, port 0, is believed)', async (ctx) => {
    const python = '/usr/bin/python3';
    if (!existsSync(python)) ctx.skip('no /usr/bin/python3 to send a netlink message with');
    using monitor = DrmHotplugMonitor.open();
    const port = netlinkPort(monitor.fd);
    const forged = uevent('change', CARD, { SUBSYSTEM: 'drm', DEVNAME: 'dri/card1', HOTPLUG: '1', SEQNUM: '1' });
    // A unicast to the monitor's port: any process may send one; it arrives with the sender's port.
    const sent = spawnSync(python, [
      '-c',
      'import socket,sys; s=socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15); ' +
        's.sendto(bytes.fromhex(sys.argv[2]), (int(sys.argv[1]), 0))',
      String(port),
      forged.toString('hex'),
    ]);
    expect(sent.status, sent.stderr.toString()).toBe(0);
    await expect(monitor.next({ timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
  });
});

/** The netlink port id bound to `fd`, from /proc/net/netlink (matched by socket inode). */
function netlinkPort(fd: number): number {
  const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  const row = readFileSync('/proc/net/netlink', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((cols) => cols[9] === inode);
  if (!row) throw new Error(`fd ${fd} (inode ${inode}) is not in /proc/net/netlink`);
  return Number(row[2]);
}
