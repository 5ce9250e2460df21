// SPDX-License-Identifier: MIT
/**
 * The kernel's uevent message format, as it arrives on a
 * NETLINK_KOBJECT_UEVENT socket: `ACTION@DEVPATH`, then `KEY=VALUE` fields,
 * each ended by a NUL (lib/kobject_uevent.c, alloc_uevent_skb). udevd's own
 * re-broadcasts (group 2) use a different, binary format that starts with
 * the magic "libudev"; they are recognised and refused here.
 * @module
 */

/** The actions a kobject uevent can carry (kobject_actions[] in lib/kobject_uevent.c). */
export const UEVENT_ACTIONS = ['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind'] as const satisfies readonly UeventAction[];
/** A uevent's ACTION: what happened to the device (enum kobject_action). */
export type UeventAction = 'add' | 'remove' | 'change' | 'move' | 'online' | 'offline' | 'bind' | 'unbind';

/** A parsed kernel uevent. */
export interface Uevent {
  action: UeventAction;
  /** The device's path under /sys, e.g. `/devices/faux/vkms/drm/card1`. */
  devpath: string;
  /** Every KEY=VALUE field as sent (ACTION, DEVPATH, SUBSYSTEM, SEQNUM and the rest). */
  env: Record<string, string>;
}

const LIBUDEV_MAGIC = Buffer.from('libudev\0', 'latin1');
const ACTIONS: ReadonlySet<string> = new Set(UEVENT_ACTIONS);

/**
 * Parses one datagram. Returns undefined for anything that is not a
 * well-formed kernel uevent: udevd's "libudev" messages, a header without
 * `@`, an unknown action, or a header that disagrees with the ACTION and
 * DEVPATH fields (the kernel always sends both, equal to the header).
 */
export function parseUevent(data: Uint8Array): Uevent | undefined {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.subarray(0, LIBUDEV_MAGIC.length).equals(LIBUDEV_MAGIC)) return undefined;
  const parts = buf.toString('utf8').split('\0');
  const header = parts[0] ?? '';
  const at = header.indexOf('@');
  if (at <= 0) return undefined;
  const action = header.slice(0, at);
  const devpath = header.slice(at + 1);
  if (!ACTIONS.has(action) || !devpath.startsWith('/')) return undefined;
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const field of parts.slice(1)) {
    const eq = field.indexOf('=');
    if (eq <= 0) continue; // the trailing empty string, or noise
    env[field.slice(0, eq)] = field.slice(eq + 1);
  }
  if (env.ACTION !== action || env.DEVPATH !== devpath) return undefined;
  return { action: action as UeventAction, devpath, env };
}

/** A decimal field as a number, or undefined when absent or not a plain non-negative integer. */
export function numericField(env: Record<string, string>, key: string): number | undefined {
  const value = env[key];
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
