// SPDX-License-Identifier: MIT
// The compositor path end to end, as examples/compositor.mjs runs it: a
// client process's heap buffer and fence, imported into vkms, committed with
// the fence as IN_FENCE_FD, and the writeback capture saved as a PNG.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { crc32, inflateSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { has, need } from '../helpers/env.js';
import { createVkms } from '../helpers/vkms.js';

describe('examples/compositor.mjs', () => {
  it('shows a client frame through vkms and writes the captured frame as a valid PNG', async (ctx) => {
    need(ctx, has.systemHeap(), 'no /dev/dma_heap/system');
    using vkms = createVkms(ctx);
    const png = `/tmp/compositor-${process.pid}.png`;
    const script = new URL('../../examples/compositor.mjs', import.meta.url).pathname;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [script, vkms.cardPath, png], { timeout: 60_000 });
      const [, matching, total] = /(\d+) of (\d+) pixels match/.exec(stdout) ?? [];
      expect(Number(matching)).toBeGreaterThan(0);
      expect(matching).toBe(total);
      const file = readFileSync(png);
      expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(file.toString('latin1', 12, 16)).toBe('IHDR');
      const width = file.readUInt32BE(16);
      const height = file.readUInt32BE(20);
      expect(width * height).toBe(Number(total));
      // Every chunk's CRC-32 (over type and data) is right, and IEND closes the file.
      const types: string[] = [];
      for (let at = 8; at < file.length; ) {
        const length = file.readUInt32BE(at);
        types.push(file.toString('latin1', at + 4, at + 8));
        expect(file.readUInt32BE(at + 8 + length)).toBe(crc32(file.subarray(at + 4, at + 8 + length)));
        at += 12 + length;
      }
      expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
      const idatLength = file.readUInt32BE(33);
      expect(file.toString('latin1', 37, 41)).toBe('IDAT');
      const rows = inflateSync(file.subarray(41, 41 + idatLength));
      expect(rows.length).toBe((width * 3 + 1) * height);
      // Top-left pixel: the client's gradient starts at (0, 0, 0x40).
      expect([...rows.subarray(1, 4)]).toEqual([0, 0, 0x40]);
    } finally {
      rmSync(png, { force: true });
    }
  });
});
