// SPDX-License-Identifier: MIT
// What AtomicRequest.commit() returns, seen as a user sees it: its keys and
// how console.log shows it (the fence maps are made on first read).
import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { Committed } from '../../lib/kms/commit-result.js';

describe('a commit result', () => {
  it('has a flipped key only with an event, and destructures to empty fence maps', () => {
    const plain = new Committed(undefined);
    expect(Object.keys(plain)).toEqual([]);
    expect('flipped' in plain).toBe(false);
    const { outFences, writebackFences } = plain;
    expect([outFences.size, writebackFences.size]).toEqual([0, 0]);
    expect(Object.keys(new Committed(Promise.resolve({} as never)))).toEqual(['flipped']);
  });

  it('shows its fence maps in console.log / util.inspect', () => {
    expect(inspect(new Committed(undefined))).toBe('{ outFences: Map(0) {}, writebackFences: Map(0) {} }');
    expect(inspect(new Committed(Promise.resolve(1 as never)))).toMatch(/^\{\s+flipped: Promise \{ 1 \},\s+outFences: Map\(0\) \{\},\s+writebackFences: Map\(0\) \{\}\s+\}$/);
  });

  it('can be shown by a caller that passes util.inspect.custom two arguments (as test runners do)', () => {
    const custom = (new Committed(undefined) as unknown as Record<symbol, (depth: number, options: object) => string>)[inspect.custom]!;
    expect(custom.call(new Committed(undefined), 2, {})).toBe('{ outFences: Map(0) {}, writebackFences: Map(0) {} }');
  });
});
