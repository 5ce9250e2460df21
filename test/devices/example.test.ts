// SPDX-License-Identifier: MIT
// The README's two-process example, run as a user would run it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { openVgem } from '../helpers/vgem.js';

describe('examples', () => {
  it('examples/share-with-child.mjs: shares a buffer and a fence with a child process', async (ctx) => {
    openVgem(ctx).close();
    const script = new URL('../../examples/share-with-child.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 30_000 });
    expect(stdout).toContain('consumer read: hello');
  });

  it('examples/frame-over-socket.mjs: producer and consumer exchange a fenced frame over a socket', async (ctx) => {
    openVgem(ctx).close();
    const script = new URL('../../examples/frame-over-socket.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 30_000 });
    expect(stdout).toContain('producer got: frame 1 ok');
  });
});
