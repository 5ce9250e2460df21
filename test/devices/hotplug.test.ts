// SPDX-License-Identifier: MIT
// DrmHotplugMonitor against real kernel uevents: a vkms device built through
// configfs appears (add, with its card node), its connector's status changes
// (change, HOTPLUG=1), and it goes (remove). Other test files create vkms
// devices in parallel, so every wait picks out this file's own device by its
// devpath (/devices/faux/<name>/...).
import { writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { type DrmHotplugEvent, DrmHotplugMonitor, TimeoutError } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { createVkms } from '../helpers/vkms.js';

/** Reads events until one matches, and returns every event read on the way (the match last). */
async function until(monitor: DrmHotplugMonitor, match: (e: DrmHotplugEvent) => boolean, timeout = 10_000): Promise<DrmHotplugEvent[]> {
  const end = Date.now() + timeout;
  const seen: DrmHotplugEvent[] = [];
  for (;;) {
    const event = await monitor.next({ timeout: Math.max(0, end - Date.now()) });
    seen.push(event);
    if (match(event)) return seen;
  }
}

const ofDevice = (name: string) => (e: DrmHotplugEvent) => e.devpath.startsWith(`/devices/faux/${name}/`);

describe('DRM hotplug events from the kernel', () => {
  leavesNoFdsOpen();

  it('a new vkms device is reported as added with its card node, and as removed when it goes', async (ctx) => {
    using monitor = DrmHotplugMonitor.open();
    const vkms = createVkms(ctx);
    try {
      const mine = ofDevice(vkms.name);
      const added = await until(monitor, (e) => mine(e) && e.action === 'add' && e.devname !== undefined);
      const card = added.at(-1)!;
      expect(card).toMatchObject({ action: 'add', devtype: 'drm_minor', path: vkms.cardPath, hotplug: false });
      expect(card.devname).toBe(vkms.cardPath.slice('/dev/'.length));
      expect(card.seqnum).toBeGreaterThan(0);
      // Its connectors (the Virtual one and the CRTC's writeback) follow as
      // devices of their own, without a node. (The number in a connector's
      // name counts connectors of its type across all devices: Virtual-2 on
      // a second vkms.)
      const virtual = (e: DrmHotplugEvent): boolean => mine(e) && e.devtype === 'drm_connector' && /-Virtual-\d+$/.test(e.devpath);
      const connector = (await until(monitor, virtual)).at(-1)!;
      expect(connector.action).toBe('add');
      expect(connector.devpath.startsWith(`${card.devpath}/${card.devname!.slice('dri/'.length)}-Virtual-`)).toBe(true);
      expect(connector).not.toHaveProperty('path');
      expect(connector.seqnum).toBeGreaterThan(card.seqnum);
    } finally {
      vkms.dispose();
    }
    const removed = (await until(monitor, (e) => e.action === 'remove' && e.path === vkms.cardPath)).at(-1)!;
    expect(removed.devpath.startsWith(`/devices/faux/${vkms.name}/`)).toBe(true);
  });

  it('a connector status change is reported as change + HOTPLUG=1 on the card (vkms sends no CONNECTOR=)', async (ctx) => {
    using vkms = createVkms(ctx);
    using monitor = DrmHotplugMonitor.open();
    const hotplug = (e: DrmHotplugEvent): boolean => e.action === 'change' && e.path === vkms.cardPath && e.hotplug;
    vkms.setConnectorStatus(0, 'disconnected');
    const first = (await until(monitor, hotplug)).at(-1)!;
    expect(first).toMatchObject({ devtype: 'drm_minor', lease: false });
    // vkms calls drm_kms_helper_hotplug_event(): the whole device, not one connector.
    expect(first).not.toHaveProperty('connector');
    // The iterator form sees the next one.
    vkms.setConnectorStatus(0, 'connected');
    for await (const event of monitor) {
      if (!hotplug(event)) continue;
      expect(event.seqnum).toBeGreaterThan(first.seqnum);
      break; // closes the monitor
    }
    expect(monitor.closed).toBe(true);
  });

  it('counts a socket buffer overflow (ENOBUFS) and keeps going', async (ctx) => {
    using monitor = DrmHotplugMonitor.open();
    // Nobody reads while the kernel sends a thousand uevents ("change"
    // written to a device's uevent file, root only): the socket's receive
    // buffer (net.core.rmem_default, 208 KiB; each uevent takes about 1 KiB
    // of it) fills and the kernel drops the rest.
    for (let i = 0; i < 1000; i++) writeFileSync('/sys/devices/virtual/mem/null/uevent', 'change');
    expect(monitor.overflows).toBe(0);
    await expect(monitor.next({ timeout: 50 })).rejects.toBeInstanceOf(TimeoutError); // none was drm
    expect(monitor.overflows).toBeGreaterThan(0);
    // And it still reports what comes after.
    using vkms = createVkms(ctx);
    await until(monitor, (e) => e.action === 'add' && e.path === vkms.cardPath);
  });

  it('two monitors each get every event', async (ctx) => {
    using a = DrmHotplugMonitor.open();
    using b = DrmHotplugMonitor.open();
    using vkms = createVkms(ctx);
    const isCard = (e: DrmHotplugEvent): boolean => e.action === 'add' && e.path === vkms.cardPath;
    const [fromA, fromB] = await Promise.all([until(a, isCard), until(b, isCard)]);
    expect(fromA.at(-1)!.seqnum).toBe(fromB.at(-1)!.seqnum);
  });
});
