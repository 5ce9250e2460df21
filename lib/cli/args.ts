// SPDX-License-Identifier: MIT
/**
 * The command line's grammar: commands, their flags (node:util parseArgs,
 * strict), and the help texts. A mistake is a UsageError: one line on
 * stderr and exit status 2.
 * @module
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

type Flag = { type: 'boolean' | 'string'; short?: string };

interface CommandSpec {
  summary: string;
  usage: string;
  flags: Record<string, Flag>;
  flagHelp: [string, string][];
  /** Most positional arguments accepted. */
  positionals: number;
}

const help: Flag = { type: 'boolean', short: 'h' };
const json: Flag = { type: 'boolean' };

export const commands = {
  probe: {
    summary: 'try every dma-buf, heap, sync_file, DRM and VFIO interface and report what works here',
    usage: 'dmabuf probe [--json] [--vfio-device <pci-address>]',
    flags: { json, 'vfio-device': { type: 'string' }, help },
    flagHelp: [
      ['--json', 'one JSON document on stdout (the format is documented in the README)'],
      ['--vfio-device <addr>', 'as root: bind this PCI device to vfio-pci for the probe, give it back after'],
    ],
    positionals: 0,
  },
  ls: {
    summary: 'list the dma-bufs processes hold, with totals per exporter and per process',
    usage: 'dmabuf ls [--pid <pid> | --all] [--json] [--sort size|exporter|pid]',
    flags: { pid: { type: 'string' }, all: { type: 'boolean' }, json, sort: { type: 'string' }, help },
    flagHelp: [
      ['--pid <pid>', 'one process (default: every process)'],
      ['--all', 'every process, naming each one this user may not read (by default they are counted)'],
      ['--json', 'one JSON document on stdout'],
      ['--sort <key>', 'order buffers by size (largest first), exporter or pid (default)'],
    ],
    positionals: 0,
  },
  info: {
    summary: 'describe DRM devices: driver, version, nodes, caps and KMS objects',
    usage: 'dmabuf info [--json] [<path>]',
    flags: { json, help },
    flagHelp: [
      ['--json', 'one JSON document on stdout'],
      ['<path>', 'one DRM node, e.g. /dev/dri/card0 (default: every node)'],
    ],
    positionals: 1,
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;

export function generalHelp(): string {
  const names = Object.keys(commands) as CommandName[];
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: dmabuf <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n].summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or a command\'s: dmabuf <command> --help)',
    '  -V, --version  print the version',
    '',
  ].join('\n');
}

export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = commands[name];
  const width = Math.max(...spec.flagHelp.map(([f]) => f.length), '-h, --help'.length);
  return [
    `Usage: ${spec.usage}`,
    '',
    `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    'Options:',
    ...spec.flagHelp.map(([f, text]) => `  ${f.padEnd(width)}  ${text}`),
    `  ${'-h, --help'.padEnd(width)}  show this help`,
    '',
  ].join('\n');
}

export type Parsed =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'command'; name: CommandName; values: Record<string, string | boolean | undefined>; positionals: string[] };

/** Parses the arguments after `dmabuf`. @throws {UsageError} */
export function parse(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`missing command (${Object.keys(commands).join(', ')}); see dmabuf --help`);
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', text: generalHelp() };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}'; see dmabuf --help`);
  if (!Object.hasOwn(commands, first)) throw new UsageError(`unknown command '${first}'; see dmabuf --help`);
  const name = first as CommandName;
  const spec: CommandSpec = commands[name];
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: spec.flags, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages run to several lines of advice; the first says what was wrong.
    const first = String((error as Error).message).split(/\.(?:\s|$)/)[0];
    throw new UsageError(`${name}: ${first}`);
  }
  if (parsed.values.help) return { kind: 'help', text: commandHelp(name) };
  if (parsed.positionals.length > spec.positionals) {
    throw new UsageError(`${name}: unexpected argument '${parsed.positionals[spec.positionals]}'; see dmabuf ${name} --help`);
  }
  return { kind: 'command', name, values: parsed.values, positionals: parsed.positionals };
}
