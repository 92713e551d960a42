// Argument parsers of the tabdiff commands: strict, so "12abc", "1.5" for an integer, or "" are errors.
import { InvalidArgumentError } from 'commander';

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(value: string, expected: string): number {
  const v = value.trim();
  if (!NUMBER.test(v)) throw new InvalidArgumentError(`expected ${expected}.`);
  return Number(v);
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  return (value: string): number => {
    const x = parseNumber(value, expected);
    if (!Number.isSafeInteger(x) || x < min || x > max) throw new InvalidArgumentError(`expected ${expected}.`);
    return x;
  };
}

export function real(min: number, max: number, { openMin = false } = {}) {
  const expected = `a number in ${openMin ? '(' : '['}${min}, ${max}]`;
  return (value: string): number => {
    const x = parseNumber(value, expected);
    if (!Number.isFinite(x) || x < min || x > max || (openMin && x === min)) throw new InvalidArgumentError(`expected ${expected}.`);
    return x;
  };
}

/** "a,b,c" -> ['a', 'b', 'c']; repeated options add up (--categorical a --categorical b). */
export function list(value: string, previous: string[] | undefined): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) throw new InvalidArgumentError('expected a comma-separated list of column names.');
  return [...(previous ?? []), ...names];
}

export function widths(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const parse = integer(1, 65536);
  try {
    return parts.map((p) => parse(p));
  } catch {
    throw new InvalidArgumentError('expected comma-separated layer widths, e.g. 128,128.');
  }
}

/** --delimiter: one character, or its name (tab, comma, semicolon, pipe). */
export function delimiterArg(value: string): string {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };
  const d = named[value.toLowerCase()] ?? value;
  if ([...d].length !== 1 || d === '"' || d === '\n' || d === '\r') throw new InvalidArgumentError('expected one character (or tab, comma, semicolon, pipe).');
  return d;
}

export const positive = integer(1);
export const nonNegative = integer(0);
export const seedArg = integer(0);
export const threadsArg = integer(1, 256);

/** Digits only (no sign, exponent or point): the counts and seeds of impute and score. */
export function digitsArg(min: number, max: number) {
  return (value: string): number => {
    const v = value.trim();
    const x = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(x) || x < min || x > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}].`);
    return x;
  };
}

/** A share in [0, 1] (any number syntax Number() reads). */
export function shareArg(value: string): number {
  const v = value.trim();
  const x = Number(v);
  if (v === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new InvalidArgumentError('expected a number in [0, 1].');
  return x;
}
