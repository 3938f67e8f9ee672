// Times: UTC inside (stored as 'YYYY-MM-DD HH:MM:SS.sss'), Asia/Kolkata at the edges, via luxon.
import { DateTime } from 'luxon';

export const IST = 'Asia/Kolkata';
const DB_FORMAT = 'yyyy-MM-dd HH:mm:ss.SSS';

/** A clock that tests can control; services take one instead of calling Date.now(). */
export interface Clock {
  now(): DateTime;
}
export const systemClock: Clock = { now: () => DateTime.utc() };

/** A settable clock for tests and simulations. */
export function fixedClock(
  start: DateTime | string,
): Clock & { set(t: DateTime | string): void; advance(d: object): void } {
  let current =
    typeof start === 'string' ? DateTime.fromISO(start, { setZone: true }).toUTC() : start.toUTC();
  return {
    now: () => current,
    set(t) {
      current = typeof t === 'string' ? DateTime.fromISO(t, { setZone: true }).toUTC() : t.toUTC();
    },
    advance(d) {
      current = current.plus(d);
    },
  };
}

/** The stored form of a time: UTC, millisecond precision, sortable as text on both engines. */
export function toDbTime(t: DateTime | Date): string {
  const dt = t instanceof Date ? DateTime.fromJSDate(t) : t;
  return dt.toUTC().toFormat(DB_FORMAT);
}

export function fromDbTime(value: string | Date | null | undefined): DateTime | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: 'utc' });
  // MySQL returns 'YYYY-MM-DD HH:MM:SS.sss'; a value written by SQLite tooling might use 'T'.
  const dt = DateTime.fromSQL(value, { zone: 'utc' });
  return dt.isValid ? dt : DateTime.fromISO(value, { zone: 'utc' });
}

export function nowDb(clock: Clock = systemClock): string {
  return toDbTime(clock.now());
}

/** Formats a stored UTC time for people, in Asia/Kolkata, in their language. */
export function formatIst(
  value: string | Date | DateTime | null | undefined,
  lang: string,
  style: 'date' | 'datetime' | 'time' = 'datetime',
): string {
  if (value === null || value === undefined || value === '') return '';
  const dt = DateTime.isDateTime(value) ? value : fromDbTime(value as string | Date);
  if (!dt || !dt.isValid) return '';
  const local = dt.setZone(IST).setLocale(lang === 'en' ? 'en-IN' : 'hi-IN');
  if (style === 'date') return local.toFormat('d MMMM yyyy');
  if (style === 'time') return local.toFormat('h:mm a');
  return local.toFormat('d MMMM yyyy, h:mm a');
}

/** A calendar day (YYYY-MM-DD) as people in India see it. */
export function istDay(t: DateTime): string {
  return t.setZone(IST).toISODate()!;
}
