// SPDX-License-Identifier: MIT
/**
 * `dmabuf ls`: the dma-bufs processes hold (from /proc/<pid>/fdinfo), with
 * totals per exporter and per process, as tables or `--json`.
 * @module
 */
import { UsageError } from './args.js';
import type { Context } from './context.js';
import { type LsReport, type SortKey, collect, sortKeys } from './ls-data.js';
import { toJson } from './json.js';
import { renderTable } from './table.js';
import { formatBytes } from './units.js';

export interface LsOptions {
  pid: string | undefined;
  all: boolean;
  json: boolean;
  sort: string | undefined;
}

function render(report: LsReport, ctx: Context, listUnreadable: boolean): string {
  const parts: string[] = [];
  if (report.buffers.length === 0) {
    parts.push('No dma-bufs are held by the processes read.\n');
  } else {
    parts.push(
      renderTable(
        ['PID', 'COMMAND', 'FD', 'INODE', 'SIZE', 'EXPORTER', 'NAME'],
        report.buffers.map((b) => [
          String(b.pid),
          b.command,
          String(b.fd),
          `${b.inode}${b.shared ? '*' : ''}`,
          formatBytes(b.size),
          b.exporter,
          b.name,
        ]),
      ),
    );
    if (report.buffers.some((b) => b.shared)) parts.push('* held by more than one process: counted once in the totals\n');
    parts.push(
      '\n',
      renderTable(
        ['EXPORTER', 'BUFFERS', 'SIZE'],
        [
          ...report.exporters.map((e) => [e.exporter, String(e.buffers), formatBytes(e.size)]),
          ['total', String(report.total.buffers), formatBytes(report.total.size)],
        ],
      ),
      '\n',
      renderTable(
        ['PID', 'COMMAND', 'BUFFERS', 'SIZE'],
        report.processes.map((p) => [String(p.pid), p.command, String(p.buffers), formatBytes(p.size)]),
      ),
    );
  }
  const n = report.unreadable.length;
  if (n > 0) {
    // Without --all a count, since a non-root user cannot read most processes; --all (and --json) name each.
    const what = `${n} process${n === 1 ? '' : 'es'} could not be read (run as root to see their buffers)`;
    parts.push('\n', ctx.palette.red(listUnreadable ? `${what}:` : `${what}; --all lists them`), '\n');
    if (listUnreadable) parts.push(renderTable(['PID', 'COMMAND', 'ERROR'], report.unreadable.map((u) => [String(u.pid), u.command, u.code])));
  }
  return parts.join('');
}

function parsePid(text: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 0x3fffffff) throw new UsageError(`ls: --pid must be a process id, received '${text}'`);
  return Number(text);
}

/** The `ls` command. @throws {UsageError} bad flags @throws {KernelError} ENOENT: no such process */
export function lsCommand(ctx: Context, options: LsOptions): number {
  if (options.pid !== undefined && options.all) throw new UsageError('ls: --pid and --all exclude each other');
  const sort = (options.sort ?? 'pid') as SortKey;
  if (!sortKeys.includes(sort)) throw new UsageError(`ls: --sort must be one of ${sortKeys.join(', ')}, received '${options.sort}'`);
  const pid = options.pid === undefined ? undefined : parsePid(options.pid);
  const report = collect(pid, sort);
  ctx.out(options.json ? toJson(report) : render(report, ctx, options.all || pid !== undefined));
  return 0;
}
