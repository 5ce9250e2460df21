// SPDX-License-Identifier: MIT
/**
 * "What the probe is doing now", on stderr, only when stderr is a terminal:
 * a pipe or a log file gets nothing, so `dmabuf probe --json 2>log` stays clean.
 * @module
 */

export interface Progress {
  step(what: string): void;
  done(): void;
}

export function progressOn(stream: NodeJS.WriteStream): Progress {
  if (!stream.isTTY) return { step() {}, done() {} };
  let shown = false;
  return {
    step(what) {
      // \r + erase-line keeps it to one line that the next step overwrites.
      stream.write(`\r\x1b[K${what}…`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
