// SPDX-License-Identifier: MIT
/**
 * The `dmabuf` command line: parses the arguments and runs
 * one command. Exit status: 0 when the command ran (whatever it found
 * missing), 1 when it could not run, 2 for a usage error.
 * @module
 */
import { normalizePciAddress } from '../index.js';
import { UsageError, parse } from './args.js';
import { type Context, processContext } from './context.js';
import { infoCommand } from './info.js';
import { lsCommand } from './ls.js';
import { probeCommand } from './probe.js';
import { packageVersion } from './version.js';

function pciAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return normalizePciAddress(value);
  } catch {
    throw new UsageError(`probe: --vfio-device must be a PCI address such as 0000:00:05.0, received '${value}'`);
  }
}

/** Runs the command line `argv` (the arguments after `dmabuf`) and returns the exit status. */
export async function main(argv: readonly string[], ctx: Context = processContext()): Promise<number> {
  let name = '';
  try {
    const parsed = parse(argv);
    if (parsed.kind === 'help') {
      ctx.out(parsed.text);
      return 0;
    }
    if (parsed.kind === 'version') {
      ctx.out(`${packageVersion()}\n`);
      return 0;
    }
    name = parsed.name;
    const v = parsed.values;
    switch (parsed.name) {
      case 'probe':
        return await probeCommand(ctx, { json: v.json === true, vfioDevice: pciAddress(v['vfio-device'] as string | undefined) });
      case 'ls':
        return lsCommand(ctx, { pid: v.pid as string | undefined, all: v.all === true, json: v.json === true, sort: v.sort as string | undefined });
      case 'info':
        return infoCommand(ctx, { json: v.json === true, path: parsed.positionals[0] });
    }
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(`dmabuf: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.err(`dmabuf${name ? ` ${name}` : ''}: ${message}\n`);
    return 1;
  }
}

