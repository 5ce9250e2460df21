// SPDX-License-Identifier: MIT
/**
 * Green and red for the human tables, only where they help: stdout is a
 * terminal that has colours, and NO_COLOR (https://no-color.org) is unset
 * or empty. Anything else (a pipe, a file, a dumb terminal) gets plain text.
 * @module
 */

export interface Palette {
  green(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

const plain: Palette = { green: (t) => t, red: (t) => t, dim: (t) => t };
const sgr = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const coloured: Palette = { green: sgr(32), red: sgr(31), dim: sgr(2) };

export function wantsColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && (typeof stream.hasColors !== 'function' || stream.hasColors());
}

export function paletteFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Palette {
  return wantsColour(stream, env) ? coloured : plain;
}
