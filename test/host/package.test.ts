// SPDX-License-Identifier: MIT
// The package as a user gets it: `npm pack` of a scratch copy of the sources
// (so prepack and prepare run as on a release, and the checkout's dist/ is
// left alone), the tarball linted (publint --strict, attw) and checked for
// dangling files, then installed into an empty project. Installed with
// --ignore-scripts and no prebuild, importing it must fail with the error
// that names the fix; after that fix (`npm rebuild dmabuf`, a build from
// source) it must import, require, type-check for ESM and CommonJS consumers
// (moduleResolution nodenext) and run an EventFd round trip.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Ran, binOf, repoRoot, run, runNode, runNpm, scratchDir, stagePackage } from '../helpers/package.js';

const expectOk = (ran: Ran): void => expect(ran.status, ran.output).toBe(0);

let stage: string;
let scratch: string;
let tarball: string;
let files: string[];
let manifest: Record<string, unknown> & { scripts: Record<string, string> };

beforeAll(async () => {
  stage = stagePackage();
  const packed = await runNpm(['pack', '--json', '--pack-destination', stage], { cwd: stage });
  expectOk(packed);
  expect(packed.output).toContain('check-prebuilds: no prebuilds/'); // prepack ran
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  tarball = join(stage, info.filename);
  files = info.files.map((f) => f.path).sort();
  const unpacked = join(stage, 'unpacked');
  mkdirSync(unpacked);
  expectOk(await run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: stage }));
  manifest = JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8'));
  scratch = scratchDir('consumer');
}, 300_000);

afterAll(() => {
  for (const dir of [stage, scratch]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the built package, its sources and legal files, and nothing dangling', async () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'binding.gyp', 'native/addon.cc', 'dist/esm/index.js', 'dist/esm/index.d.ts']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map')), 'source maps would point at lib/, which is not shipped').toEqual([]);
    expect(files.filter((f) => /^(lib|test|bench|build|prebuilds)\//.test(f))).toEqual([]);
    const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(stage, 'unpacked/package', f), 'utf8'));
    expect(js.filter((text) => text.includes('sourceMappingURL'))).toEqual([]);
  });

  it('runs no lifecycle script that points at a file it does not ship', async () => {
    for (const name of ['preinstall', 'install', 'postinstall', 'prepare']) {
      const script = manifest.scripts[name];
      if (!script) continue;
      for (const [, file] of script.matchAll(/\bnode\s+(\S+\.m?js)\b/g)) expect(files, `${name}: ${script}`).toContain(file);
    }
    // build-ts.mjs imports resolve-bin.mjs.
    expect(files).toContain('scripts/resolve-bin.mjs');
    expect(manifest.scripts.prebuild, 'npm would run it before every `npm run build`').toBeUndefined();
  });

  it('declares its license, engines and module format truthfully', async () => {
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(stage, 'unpacked/package/LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(manifest.engines).toEqual({ node: '^20.19.0 || >=22.12.0' }); // require(esm) unflagged; Node-API 9
    expect(manifest.type).toBe('module');
    expect((manifest.keywords as string[]).length).toBeGreaterThan(3);
    expect(JSON.stringify(manifest)).not.toMatch(/example\.(com|org)|TODO|FIXME/);
  });

  it('ships no @internal member in its declarations (stripInternal)', async () => {
    const dts = files.filter((f) => f.endsWith('.d.ts'));
    const leaks: string[] = [];
    for (const f of dts) {
      const text = readFileSync(join(stage, 'unpacked/package', f), 'utf8');
      // A file comment may say @internal (the module is internal, its types still used by public ones).
      for (const comment of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
        if (comment.includes('@internal') && !comment.includes('@module')) leaks.push(`${f}: ${comment.slice(0, 80)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('passes publint --strict and attw (ESM-only profile)', async () => {
    expectOk(await runNode([binOf('publint'), 'run', tarball, '--strict'], { cwd: stage }));
    // attw's own TypeScript (5.6) predates require(esm); the CommonJS consumer below covers it.
    const attw = await runNode([binOf('@arethetypeswrong/cli', 'attw'), tarball, '--profile', 'esm-only', '--no-color'], { cwd: stage });
    expectOk(attw);
  }, 120_000);
});

describe('installed into an empty project', () => {
  const importRoundTrip = `
    const { EventFd } = await import('dmabuf');
    const efd = EventFd.create();
    efd.write(5n);
    console.log('esm', efd.read());
    efd.close();`;

  it('with install scripts skipped and no prebuild, import fails with the error that names the fix', async () => {
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    expectOk(await runNpm(['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], { cwd: scratch }));
    const ran = await runNode(['--input-type=module', '-e', importRoundTrip], { cwd: scratch });
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toContain('ERR_DMABUF_ADDON_LOAD');
    expect(ran.stderr).toContain(`(${process.platform}-${process.arch}, glibc`);
    expect(ran.stderr).toContain(`Node-API ${process.versions.napi}`);
    expect(ran.stderr).toContain(join(scratch, 'node_modules/dmabuf/build/Release'));
    expect(ran.stderr).toContain('npm rebuild dmabuf');
    expect(ran.stderr).toContain('python3, make and g++');
    expect(ran.stderr).toContain('npm install-scripts approve dmabuf');
  }, 300_000);

  it('after `npm rebuild dmabuf` (the fix it names: a build from source), import and require work', async () => {
    // The headers installed beside this Node, where there are some: this test has no network to download them.
    const nodedir = dirname(dirname(process.execPath));
    const env = existsSync(join(nodedir, 'include/node/node_api.h')) ? { JOBS: '2', npm_config_nodedir: nodedir } : { JOBS: '2' };
    expectOk(await runNpm(['rebuild', 'dmabuf'], { cwd: scratch, env }));
    expect(existsSync(join(scratch, 'node_modules/dmabuf/build/Release/dmabuf.node'))).toBe(true);
    expect(existsSync(join(scratch, 'node_modules/dmabuf/dist/esm/index.js')), 'prepare must keep the shipped dist/').toBe(true);

    const esm = await runNode(['--input-type=module', '-e', importRoundTrip], { cwd: scratch });
    expect(esm.stdout, esm.output).toBe('esm 5n\n');

    const cjs = await runNode(
      ['--input-type=commonjs', '-e', `const { EventFd, KernelError } = require('dmabuf');
        const efd = EventFd.create(); efd.write(7n); console.log('cjs', efd.read(), typeof KernelError); efd.close();`],
      { cwd: scratch },
    );
    expect(cjs.stdout, cjs.output).toBe('cjs 7n function\n');
  }, 600_000); // a build from source

  it('type-checks for ESM and CommonJS consumers (moduleResolution nodenext)', async () => {
    const ts = `
      import { EventFd, KernelError, type WaitLimits } from 'dmabuf';
      const limits: WaitLimits = { timeout: 10 };
      const efd: EventFd = EventFd.create(0, { semaphore: false });
      const value: bigint | undefined = efd.read();
      export const checked: [WaitLimits, bigint | undefined, boolean] = [limits, value, new Error() instanceof KernelError];
      // @ts-expect-error: internal members are not in the declarations
      EventFd.prototype.nonexistentMember();
    `;
    writeFileSync(join(scratch, 'esm.mts'), ts);
    writeFileSync(join(scratch, 'cjs.cts'), ts);
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'esnext.disposable'],
          strict: true,
          noEmit: true,
          skipLibCheck: false, // the package's .d.ts are checked too
          types: ['node'],
          typeRoots: [join(repoRoot, 'node_modules/@types')],
        },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    expectOk(await runNode([binOf('typescript', 'tsc'), '-p', 'tsconfig.json'], { cwd: scratch }));
  }, 120_000);
});
