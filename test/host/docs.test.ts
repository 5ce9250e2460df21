// SPDX-License-Identifier: MIT
// `npm run docs` builds the HTML API docs with zero typedoc warnings; any
// exported member, option field or error field without JSDoc fails it
// (typedoc.json: validation.notDocumented, treatValidationWarningsAsErrors).
// About 12 s; it writes to a temporary directory, not docs/api/.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot, runNpm, scratchDir } from '../helpers/package.js';

const out = scratchDir('docs');
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run docs', () => {
  it('generates the API docs with every export documented and no warning', async () => {
    const ran = await runNpm(['run', 'docs', '--', '--out', out], { cwd: repoRoot });
    expect(ran.status, ran.output).toBe(0);
    expect(ran.output).not.toMatch(/\[warning\]|does not have any documentation/);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    const page = readFileSync(join(out, 'classes/EventFd.html'), 'utf8');
    expect(page).toContain('EventFd');
  }, 180_000);
});
