// Datetime columns: JS Date objects and ISO 8601 strings (date, or date and time) are read as
// numbers (days for dates, seconds or milliseconds for date-times, UTC) and written back in the
// input's own format. Strings without a zone are read as UTC wall-clock time so the result does
// not depend on the machine's time zone; strings with an offset are converted to UTC and come
// back with "Z".

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;

/** How a date column is written back, and the unit its numbers are in. */
export interface DateFormat {
  /** 'date': YYYY-MM-DD (unit: days); 'datetime': with a time (unit: seconds or ms); 'object': JS Date (unit: ms). */
  kind: 'date' | 'datetime' | 'object';
  /** Separator between date and time ('T' or ' '). */
  separator: 'T' | ' ';
  /** Smallest field written: minutes, seconds or milliseconds. */
  precision: 'minute' | 'second' | 'ms';
  /** Whether the strings carried a zone ('Z' or an offset): output then ends with 'Z'. */
  zone: boolean;
}

/** Milliseconds per unit of the numbers a date column is modelled in. */
export function dateUnitMs(f: DateFormat): number {
  if (f.kind === 'date') return DAY_MS;
  if (f.kind === 'object' || f.precision === 'ms') return 1;
  return 1000;
}

/** Parses one ISO 8601 string; null when it is not one (or names an impossible date). */
export function parseIsoDate(s: string): { ms: number; format: DateFormat } | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const [, y, mo, d, sep, hh, mi, ss, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = hh === undefined ? 0 : Number(hh), minute = mi === undefined ? 0 : Number(mi), second = ss === undefined ? 0 : Number(ss);
  const ms = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(t);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  const format: DateFormat = {
    kind: hh === undefined ? 'date' : 'datetime',
    separator: sep === ' ' ? ' ' : 'T',
    precision: frac !== undefined ? 'ms' : ss !== undefined ? 'second' : 'minute',
    zone: zone !== undefined,
  };
  return { ms: t, format };
}

/** The finest format of two seen in one column (a column may mix "10:00" and "10:00:30"). */
export function mergeFormats(a: DateFormat, b: DateFormat): DateFormat {
  const rank = { minute: 0, second: 1, ms: 2 } as const;
  if (a.kind === 'object' || b.kind === 'object') return a.kind === 'object' ? a : b;
  return {
    kind: a.kind === 'datetime' || b.kind === 'datetime' ? 'datetime' : 'date',
    separator: a.kind === 'datetime' ? a.separator : b.separator,
    precision: rank[a.precision] >= rank[b.precision] ? a.precision : b.precision,
    zone: a.zone || b.zone,
  };
}

/** A date column's number (in dateUnitMs units) back to the input's format. */
export function formatDate(value: number, f: DateFormat): string | Date {
  // JS Dates end at +-8.64e15 ms (years -271821 and 275760); a decoded value beyond (only with
  // clip: false) becomes the last representable date instead of an Invalid Date or a throw.
  const ms = Math.min(Math.max(value * dateUnitMs(f), -MAX_DATE_MS), MAX_DATE_MS);
  const date = new Date(ms);
  if (f.kind === 'object') return date;
  // YYYY-MM-DDTHH:MM:SS.sssZ, or +YYYYYY-MM-DD... for years outside 0..9999: cut at the T
  const iso = date.toISOString();
  const t = iso.indexOf('T');
  if (f.kind === 'date') return iso.slice(0, t);
  const cut = f.precision === 'minute' ? 5 : f.precision === 'second' ? 8 : 12;
  return `${iso.slice(0, t)}${f.separator}${iso.slice(t + 1, t + 1 + cut)}${f.zone ? 'Z' : ''}`;
}

/** A cell as a date: { ms, format } for a valid Date or ISO string, else null. */
export function readDateCell(v: unknown): { ms: number; format: DateFormat } | null {
  if (v instanceof Date) {
    const ms = v.getTime();
    return Number.isNaN(ms) ? null : { ms, format: { kind: 'object', separator: 'T', precision: 'ms', zone: true } };
  }
  if (typeof v === 'string') return parseIsoDate(v.trim());
  return null;
}
