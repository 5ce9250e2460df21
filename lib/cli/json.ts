// SPDX-License-Identifier: MIT
/**
 * `--json` output: one document on stdout and nothing else there, so it
 * pipes into `jq`. 64-bit values (bigint) are written as decimal strings,
 * since JSON numbers lose precision past 2^53.
 * @module
 */

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
