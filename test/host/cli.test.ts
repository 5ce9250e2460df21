// SPDX-License-Identifier: MIT
// The `dmabuf` command on any host: grammar, help, exit statuses, the JSON
// contract's shape, and the human tables' stable parts. The device results
// themselves are checked in the VM (test/devices/cli.test.ts).
import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { paletteFor, wantsColour } from '../../lib/cli/colour.js';
import { renderTable } from '../../lib/cli/table.js';
import { formatBytes } from '../../lib/cli/units.js';
import { json, runCli } from '../helpers/cli.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A usage error: exit 2, nothing on stdout, one line on stderr starting `dmabuf: `. */
async function expectUsageError(args: string[], pattern: RegExp): Promise<void> {
  const r = await runCli(args);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^dmabuf: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
}

describe('dmabuf: grammar', () => {
  it('--help lists the commands; <cmd> --help gives its usage; exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^Usage: dmabuf <command> \[options\]/);
    for (const cmd of ['probe', 'ls', 'info']) expect(top.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    expect((await runCli(['-h'])).stdout).toBe(top.stdout);
    expect((await runCli(['probe', '--help'])).stdout).toMatch(/^Usage: dmabuf probe \[--json\] \[--vfio-device <pci-address>\]\n/);
    expect((await runCli(['ls', '-h'])).stdout).toMatch(/^Usage: dmabuf ls \[--pid <pid> \| --all\] \[--json\] \[--sort size\|exporter\|pid\]\n/);
    expect((await runCli(['info', '--help'])).stdout).toMatch(/^Usage: dmabuf info \[--json\] \[<path>\]\n/);
  });

  it('--version prints the package version', async () => {
    expect(await runCli(['--version'])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    expect((await runCli(['-V'])).stdout).toBe(`${version}\n`);
  });

  it('unknown commands and flags, bad values and extra arguments are one-line errors with exit 2', async () => {
    await expectUsageError([], /missing command/);
    await expectUsageError(['frobnicate'], /unknown command 'frobnicate'/);
    await expectUsageError(['--frob'], /unknown option '--frob'/);
    await expectUsageError(['probe', '--frob'], /probe: Unknown option '--frob'/);
    await expectUsageError(['probe', 'extra'], /unexpected argument 'extra'/);
    await expectUsageError(['probe', '--vfio-device'], /argument missing/);
    await expectUsageError(['probe', '--vfio-device', 'nope'], /--vfio-device must be a PCI address/);
    await expectUsageError(['ls', '--pid', 'x'], /--pid must be a process id, received 'x'/);
    await expectUsageError(['ls', '--pid', '0'], /--pid must be a process id/);
    await expectUsageError(['ls', '--pid', '1', '--all'], /--pid and --all exclude each other/);
    await expectUsageError(['ls', '--sort', 'colour'], /--sort must be one of size, exporter, pid/);
    await expectUsageError(['info', 'a', 'b'], /unexpected argument 'b'/);
  });
});

describe('dmabuf probe on this host', () => {
  it('--json writes exactly the documented shape, exits 0 and says what is missing', async () => {
    const r = await runCli(['probe', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(''); // stderr is not a terminal: no progress
    const doc = json<Record<string, unknown>>(r);
    expect(Object.keys(doc)).toEqual(['kernel', 'heaps', 'udmabuf', 'dmabuf', 'swSync', 'eventfd', 'drm', 'vfio', 'problems']);
    expect(doc).toMatchObject({
      kernel: expect.any(String),
      heaps: expect.any(Array),
      udmabuf: expect.any(Boolean),
      swSync: expect.any(Boolean),
      eventfd: true,
      drm: expect.any(Array),
      vfio: { devices: expect.any(Array) },
    });
    expect(Object.keys(doc.dmabuf as object)).toEqual(['mmap', 'sync', 'exportSyncFile', 'importSyncFile', 'derive', 'setName']);
    const problems = doc.problems as { feature: string; code: string; message: string }[];
    for (const p of problems) expect(Object.keys(p)).toEqual(['feature', 'code', 'message']);
    // Whatever this host lacks is a problem with the kernel's errno, not a silent false.
    const features = problems.map((p) => p.feature);
    if (!existsSync('/dev/dma_heap')) {
      expect(problems).toContainEqual({ feature: 'dma-heap', code: 'ENOENT', message: expect.stringMatching(/CONFIG_DMABUF_HEAPS/) });
    }
    if (!existsSync('/dev/udmabuf')) expect(problems).toContainEqual(expect.objectContaining({ feature: 'udmabuf', code: 'ENOENT' }));
    if (!(doc.udmabuf as boolean) && (doc.heaps as string[]).length === 0) expect(features).toContain('dmabuf mmap');
    if (!existsSync('/dev/dri')) expect(doc.drm).toEqual([]);
    if ((doc.vfio as { devices: unknown[] }).devices.length === 0) expect((doc.vfio as { dmaBuf: unknown }).dmaBuf).toBeNull();
  });

  it('the table has one row per step, no colour when stdout is not a terminal', async () => {
    const r = await runCli(['probe']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/\x1b\[/);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^FEATURE +RESULT +DETAIL$/);
    expect(lines[1]).toMatch(/^kernel +\S+$/);
    // Stable on any Linux: eventfd and fd passing need no device. The columns are as wide
    // as their longest cell (the kernel's release string among them), so each cell is
    // expected where the header's column starts, not at a fixed offset.
    const result = lines[0]!.indexOf('RESULT');
    const detail = lines[0]!.indexOf('DETAIL');
    const row = (feature: string, res: string, det = ''): string =>
      `${feature.padEnd(result)}${det ? `${res.padEnd(detail - result)}${det}` : res}`;
    expect(lines.filter((l) => /^(eventfd|fd passing) /.test(l))).toEqual([
      row('eventfd', 'yes'),
      row('fd passing', 'yes', 'an eventfd over SCM_RIGHTS'),
    ]);
    for (const step of ['memfd seals', 'udmabuf', 'dmabuf mmap', 'dmabuf derive', 'sw_sync']) expect(r.stdout).toMatch(new RegExp(`^${step} `, 'm'));
  });
});

describe('dmabuf ls and info on this host', () => {
  it('ls --pid of this process: its (no) dma-bufs, as a table and as JSON', async () => {
    const table = await runCli(['ls', '--pid', String(process.pid)]);
    expect(table.status).toBe(0);
    const doc = json<Record<string, unknown>>(await runCli(['ls', '--pid', String(process.pid), '--json']));
    expect(Object.keys(doc)).toEqual(['buffers', 'processes', 'exporters', 'total', 'unreadable']);
    if ((doc.buffers as unknown[]).length === 0) {
      expect(table.stdout).toBe('No dma-bufs are held by the processes read.\n');
      expect(doc).toEqual({ buffers: [], processes: [], exporters: [], total: { buffers: 0, size: 0 }, unreadable: [] });
    }
  });

  it('ls of a process that does not exist is a one-line error, exit 1', async () => {
    const r = await runCli(['ls', '--pid', String(0x3ffffff0)]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dmabuf ls: ENOENT: [^\n]+\n$/);
  });

  it('info runs without devices; a path that is not a DRM node is a one-line error', async () => {
    const r = await runCli(['info', '--json']);
    expect(r.status).toBe(0);
    expect(Object.keys(json<object>(r))).toEqual(['nodes', 'problems']);
    if (!existsSync('/dev/dri')) {
      expect(json(r)).toEqual({ nodes: [], problems: [] });
      expect((await runCli(['info'])).stdout).toBe('No DRM devices (/dev/dri is empty or missing).\n');
    }
    const bad = await runCli(['info', '/dev/null']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^dmabuf info: [^\n]*\/dev\/null[^\n]*\n$/);
  });
});

describe('output helpers', () => {
  const tty = { isTTY: true, hasColors: () => true } as unknown as NodeJS.WriteStream;
  const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;

  it('colour only on a colour terminal with NO_COLOR unset or empty', () => {
    expect(wantsColour(tty, {})).toBe(true);
    expect(wantsColour(tty, { NO_COLOR: '' })).toBe(true);
    expect(wantsColour(tty, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour(pipe, {})).toBe(false);
    expect(wantsColour({ isTTY: true, hasColors: () => false } as unknown as NodeJS.WriteStream, {})).toBe(false);
    expect(paletteFor(tty, {}).green('yes')).toBe('\x1b[32myes\x1b[0m');
    expect(paletteFor(tty, { NO_COLOR: 'x' }).red('no')).toBe('no');
  });

  it('tables align coloured and plain cells and leave no trailing spaces', () => {
    const { green } = paletteFor(tty, {});
    expect(renderTable(['A', 'BB', 'C'], [[green('yes'), 'x', ''], { section: '-- s --' }, ['no', 'longer', 'z']])).toBe(
      `A    BB      C\n${green('yes')}  x\n-- s --\nno   longer  z\n`,
    );
  });

  it('sizes in binary units', () => {
    expect([0, 4096, 1536 * 1024, 3 * 2 ** 30].map(formatBytes)).toEqual(['0 B', '4 KiB', '1.5 MiB', '3 GiB']);
  });
});
