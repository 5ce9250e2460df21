// SPDX-License-Identifier: MIT
// The addon keeps per-environment state, so it must load and wait on fds
// inside worker_threads as well as on the main thread. This runs the built
// package (dist/), as a user would.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { distEntry as dist } from '../helpers/env.js';

describe('worker_threads', () => {
  it('loads the addon and waits on an eventfd in two workers at once', async () => {
    expect(existsSync(dist), 'dist/ is built by `npm install` (prepare) and by `npm test`').toBe(true);
    const source = `
      import { parentPort } from 'node:worker_threads';
      const { EventFd } = await import(${JSON.stringify(dist.href)});
      const efd = EventFd.create();
      try {
        const waiting = efd.wait({ timeout: 10000 });
        setTimeout(() => efd.write(42n), 5);
        parentPort.postMessage(String(await waiting));
      } finally {
        efd.close();
      }
    `;
    const run = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    await expect(Promise.all([run(), run()])).resolves.toEqual(['42', '42']);
  });
});
