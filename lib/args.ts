// SPDX-License-Identifier: MIT
/**
 * Argument checks. Types are checked here and reported as TypeError naming
 * the argument; values the kernel may refuse are passed on and come back as
 * its errno (sharp's is.mjs approach).
 * @module
 */

function received(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `bigint ${value}n`;
  if (typeof value === 'number') return `number ${value}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value;
}

/** A TypeError with Node's code for an argument of the wrong type. */
export function typeError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}

function invalid(name: string, wanted: string, value: unknown): TypeError {
  return typeError(`${name} must be ${wanted}, received ${received(value)}`);
}

/**
 * A TypeError with Node's code for an argument of the right type whose value
 * is not acceptable (an unknown option key, a NUL in a path, a bad name).
 */
export function invalidValue(name: string, wanted: string, value: unknown): TypeError {
  return valueError(`${name} must be ${wanted}, received ${received(value)}`);
}

/** A TypeError with Node's code for an unacceptable value, with the message given. */
export function valueError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' });
}

/** A RangeError with Node's code for an argument out of range. */
export function rangeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' });
}

function outOfRange(name: string, wanted: string, value: unknown): RangeError {
  return rangeError(`${name} must be ${wanted}, received ${received(value)}`);
}

/** A non-negative safe integer (a byte count or offset the kernel gets as u64). */
export function assertSize(name: string, value: unknown, { min = 0 } = {}): asserts value is number {
  if (typeof value !== 'number') throw invalid(name, 'a number', value);
  if (!Number.isSafeInteger(value) || value < min) {
    throw outOfRange(name, `an integer >= ${min} and <= ${Number.MAX_SAFE_INTEGER}`, value);
  }
}

/** An integer in [min, max]. */
export function assertInt(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number') throw invalid(name, 'a number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, `an integer from ${min} to ${max}`, value);
  }
}

// A constant: `1n << 64n` written inline is computed (and allocated) on every call.
const U64_END = 1n << 64n;

/** A u64 given as a bigint (or a safe integer number, converted). */
export function toU64(name: string, value: unknown): bigint {
  if (typeof value === 'number') {
    assertSize(name, value);
    return BigInt(value);
  }
  if (typeof value !== 'bigint') throw invalid(name, 'a bigint or a number', value);
  if (value < 0n || value >= U64_END) throw outOfRange(name, 'from 0 to 2^64-1', value);
  return value;
}

/** A file descriptor number. */
export function assertFd(name: string, value: unknown): asserts value is number {
  assertInt(name, value, 0, 0x7fffffff);
}

export function assertBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean', value);
}

export function assertString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalid(name, 'a string', value);
}

export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
}

const NO_OPTIONS = Object.freeze({});

/**
 * An options bag: undefined or a plain object whose keys are all in `keys`.
 * An unknown key is refused (ERR_INVALID_ARG_VALUE, naming it and the
 * accepted ones): a misspelt `timeout` must not silently mean "no timeout".
 */
export function options<T extends object>(name: string, value: unknown, keys: readonly (keyof T & string)[]): Partial<T> {
  if (value === undefined) return NO_OPTIONS; // shared: the common call allocates nothing
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(name, 'an object', value);
  // for-in, not Object.keys: it allocates no array (a per-frame KMS commit
  // checks its options every frame; 18 against 25 ns on the host). It also
  // sees inherited enumerable keys, which are checked as well: they are read
  // like own ones.
  for (const key in value) {
    if (!(keys as readonly string[]).includes(key)) {
      const accepted = keys.length > 0 ? `accepted: ${keys.join(', ')}` : 'it takes none';
      throw Object.assign(valueError(`${name} has an unknown key '${key}' (${accepted})`), { key });
    }
  }
  return value as Partial<T>;
}

/** An array of at least `min` elements. */
export function assertArray(name: string, value: unknown, { min = 0 } = {}): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw invalid(name, 'an array', value);
  if (value.length < min) throw rangeError(`${name} must hold at least ${min === 1 ? 'one element' : `${min} elements`}, received ${value.length}`);
}

/**
 * A filesystem path: a non-empty string without NUL. The kernel would stop
 * at the NUL and act on a different, shorter path than the caller named.
 */
export function assertPath(name: string, value: unknown): asserts value is string {
  assertString(name, value);
  if (value === '' || value.includes('\0')) throw invalidValue(name, 'a non-empty path without NUL bytes', value);
}

/** An optional boolean option with a default. */
export function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  assertBoolean(name, value);
  return value;
}

/** Throws unless `value` is an instance of `type`. */
// `Function & { prototype: T }` also admits classes with private constructors.
export function assertInstance<T>(name: string, value: unknown, type: Function & { prototype: T }): asserts value is T {
  if (!(value instanceof type)) throw invalid(name, `a ${type.name}`, value);
}
