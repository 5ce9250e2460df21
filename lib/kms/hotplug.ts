// SPDX-License-Identifier: MIT
/**
 * Hotplug: being told that DRM devices or connectors changed, from the
 * kernel's own uevents (NETLINK_KOBJECT_UEVENT), with no udev in between.
 *
 * What the kernel sends for the `drm` subsystem:
 * - `add` / `remove` of a card or render node (DEVTYPE=drm_minor,
 *   DEVNAME=dri/card1) and of each connector's sysfs device
 *   (DEVTYPE=drm_connector, no DEVNAME), when a driver registers or goes.
 * - `change` with HOTPLUG=1 on the card node when outputs changed: drivers
 *   that know which connector send CONNECTOR=<object id> (and PROPERTY=<id>
 *   for a property such as content protection); others, vkms among them,
 *   send HOTPLUG=1 alone, and the client re-probes every connector.
 * - `change` with LEASE=1 when a DRM lease was created or revoked.
 * @module
 */
import { type WaitLimits, checkWaitLimits } from '../wait-limits.js';
import { AbortError, FeatureError, KernelError } from '../errors.js';
import { FdResource } from '../fd-resource.js';
import { READABLE } from '../fd-watcher.js';
import { native } from '../native.js';
import { type UeventAction, numericField, parseUevent } from './uevent.js';

export type { UeventAction } from './uevent.js';

const EAGAIN = -11;
const ENOBUFS = -105;
const EAFNOSUPPORT = -97;
const EPROTONOSUPPORT = -93;
/** The kernel's broadcast group on the uevent socket (udevd re-sends on group 2, which is not joined). */
const KERNEL_GROUP = 1;
/** Larger than any uevent: the environment is at most UEVENT_BUFFER_SIZE (2048) bytes, plus the header's devpath. */
const RECEIVE_BYTES = 16384;

/** One change to a DRM device or its connectors, as the kernel reported it. */
export interface DrmHotplugEvent {
  /** `add` and `remove` for nodes and connectors that come and go; `change` for hotplug and lease events. */
  action: UeventAction;
  /** The device's path under /sys, e.g. `/devices/faux/vkms/drm/card1` or `.../card1/card1-Virtual-1`. */
  devpath: string;
  /** `drm_minor` for card and render nodes, `drm_connector` for connectors (DEVTYPE). */
  devtype?: string;
  /** The node's name under /dev as the kernel names it, e.g. `dri/card1` (DEVNAME); absent for connectors. */
  devname?: string;
  /** `/dev/` + devname, e.g. `/dev/dri/card1`: the node to open (devtmpfs names it so; a udev rule could add other names). */
  path?: string;
  /** HOTPLUG=1: the outputs changed; re-read the connectors (all of them unless `connector` says which). */
  hotplug: boolean;
  /** LEASE=1: a DRM lease of this device was created or revoked. */
  lease: boolean;
  /** CONNECTOR=: the KMS object id of the connector that changed, when the driver says. */
  connector?: number;
  /** PROPERTY=: the KMS property id that changed on that connector, when the driver says. */
  property?: number;
  /** The kernel's uevent sequence number (SEQNUM): increasing across all of the system's uevents. */
  seqnum: number;
  /** Every field of the uevent as sent (MAJOR, MINOR and anything a driver adds). */
  env: Readonly<Record<string, string>>;
}

/** Turns a received datagram into a DRM event, or undefined for anything else. */
export function toDrmHotplugEvent(data: Uint8Array): DrmHotplugEvent | undefined {
  const uevent = parseUevent(data);
  if (!uevent || uevent.env.SUBSYSTEM !== 'drm') return undefined;
  const { env } = uevent;
  const event: DrmHotplugEvent = {
    action: uevent.action,
    devpath: uevent.devpath,
    hotplug: env.HOTPLUG === '1',
    lease: env.LEASE === '1',
    seqnum: numericField(env, 'SEQNUM') ?? 0,
    env: Object.freeze({ ...env }),
  };
  if (env.DEVTYPE !== undefined) event.devtype = env.DEVTYPE;
  // DEVNAME is relative to /dev; refuse anything that could climb out of it.
  if (env.DEVNAME && !env.DEVNAME.startsWith('/') && !env.DEVNAME.split('/').includes('..')) {
    event.devname = env.DEVNAME;
    event.path = `/dev/${env.DEVNAME}`;
  }
  const connector = numericField(env, 'CONNECTOR');
  if (connector !== undefined) event.connector = connector;
  const property = numericField(env, 'PROPERTY');
  if (property !== undefined) event.property = property;
  return event;
}

/**
 * Reports DRM devices and connectors that appear, go or change, from the
 * kernel's uevents. Events that happened before open() are not reported:
 * list the devices first (DrmDevice.list()), then watch.
 *
 * Needs a kernel with CONFIG_NET (NETLINK_KOBJECT_UEVENT) and no privilege:
 * the kernel lets any user join the uevent broadcast group. Device uevents
 * are only delivered to sockets in a network namespace owned by the initial
 * user namespace, so inside a container with its own user and network
 * namespaces (rootless containers, some sandboxes) open() works but no event
 * arrives. Independent of udev: it works with systemd-udevd, mdev or no
 * device manager at all, and sees the kernel's event before udev has set up
 * the node (permissions, symlinks), so an `add` node may not be openable by
 * a non-root user for a moment.
 */
export class DrmHotplugMonitor extends FdResource {
  #overflows = 0;

  private constructor(fd: number) {
    super(fd, 'DRM hotplug monitor');
  }

  /**
   * Starts listening (socket + bind to the kernel's uevent group).
   * @throws {FeatureError} the kernel has no netlink uevent socket (CONFIG_NET)
   * @throws {KernelError} EMFILE and the like
   */
  static open(): DrmHotplugMonitor {
    const fd = native.ueventOpen(KERNEL_GROUP);
    if (fd === EAFNOSUPPORT || fd === EPROTONOSUPPORT) {
      throw new FeatureError(fd, 'kernel uevents (NETLINK_KOBJECT_UEVENT)', 'a kernel with CONFIG_NET', { syscall: 'socket' });
    }
    if (fd < 0) throw new KernelError(fd, { syscall: 'socket', context: 'opening the uevent socket' });
    return new DrmHotplugMonitor(fd);
  }

  /**
   * How many times the kernel reported that this monitor's socket buffer
   * overflowed (ENOBUFS) and uevents were dropped: when it grows, events
   * may be missing, so re-scan the devices and connectors.
   */
  get overflows(): number {
    return this.#overflows;
  }

  /**
   * Resolves with the next DRM event. Several pending calls each get their
   * own event, in order.
   * @throws {AbortError} (rejection) the signal fired, or close() was called while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   * @throws {ClosedError} (rejection) after close()
   */
  next(limits: WaitLimits = {}): Promise<DrmHotplugEvent> {
    try {
      return this.watcher().wait<DrmHotplugEvent>(READABLE, () => this.#take(), checkWaitLimits(limits), 'DRM hotplug event');
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The events as an async iterator. It ends (done) when the monitor is
   * closed; leaving the loop early (break, return, a throw) closes the
   * monitor, as Node's `fs.promises.watch` does. `signal` ends it with an
   * AbortError instead.
   * @throws {TypeError} `signal` is not an AbortSignal
   * @throws {ClosedError} the monitor is closed
   * @throws {AbortError} (from the loop) the signal fired
   */
  events(opts: { signal?: AbortSignal } = {}): AsyncGenerator<DrmHotplugEvent, void, undefined> {
    // Checked now, not at the first next(): a generator body runs late.
    const { signal } = checkWaitLimits(opts);
    this.open();
    return this.#loop(signal);
  }

  /** `for await (const e of monitor)`: the same iterator as `events()` without a signal. */
  [Symbol.asyncIterator](): AsyncGenerator<DrmHotplugEvent, void, undefined> {
    return this.events();
  }

  async *#loop(signal: AbortSignal | undefined): AsyncGenerator<DrmHotplugEvent, void, undefined> {
    try {
      // Closed between two events (by the loop's body, say): that ends it too.
      while (!this.closed) {
        let event: DrmHotplugEvent;
        try {
          event = await this.next({ signal });
        } catch (error) {
          // close() while waiting ends the loop; the caller's own signal does not.
          if (error instanceof AbortError && this.closed && !signal?.aborted) return;
          throw error;
        }
        yield event;
      }
    } finally {
      this.close();
    }
  }

  /** Reads what is queued until a DRM event turns up (or nothing is left). */
  #take(): { done: true; value: DrmHotplugEvent } | { done: false } {
    const fd = this.open();
    for (;;) {
      const got = native.ueventReceive(fd, RECEIVE_BYTES);
      if (got === EAGAIN) return { done: false };
      if (got === ENOBUFS) {
        this.#overflows++;
        continue;
      }
      if (typeof got === 'number') throw new KernelError(got, { syscall: 'recvmsg', context: 'reading uevents' });
      // Only the kernel (port 0) sends uevents; a user process could unicast
      // a forged one to this socket's port, so anything else is dropped.
      if (got.senderPort !== 0 || got.truncated) continue;
      const event = toDrmHotplugEvent(got.data);
      if (event) return { done: true, value: event };
    }
  }
}
