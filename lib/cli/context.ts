// SPDX-License-Identifier: MIT
/**
 * Where a command writes: its output on stdout, diagnostics on stderr, and
 * the colours stdout allows.
 * @module
 */
import { type Palette, paletteFor } from './colour.js';

export interface Context {
  out(text: string): void;
  err(text: string): void;
  palette: Palette;
}

export function processContext(): Context {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    palette: paletteFor(process.stdout),
  };
}
