// Times: UTC inside (stored as 'YYYY-MM-DD HH:MM:SS.sss'), Asia/Kolkata at the edges, via luxon.
import { DateTime, FixedOffsetZone } from 'luxon';

/**
 * India's time (Asia/Kolkata): UTC+05:30 all year, without daylight saving, since 1945. The fixed offset gives
 * the same answer as the IANA zone for every date the desk meets, and spares each conversion a call into Intl
 * (the IANA zone asked Intl for its offset on every setZone, on the hot call paths too).
 */
export const IST = FixedOffsetZone.instance(330);
const DB_FORMAT = 'yyyy-MM-dd HH:mm:ss.SSS';
const DB_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

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
  const ms = t instanceof Date ? t.getTime() : t.toMillis();
  // The ISO form of a JS Date is the stored form with a 'T' and a 'Z', for years 0001-9999 (formatting through
  // luxon costs more than the rest of a typical query).
  if (ms >= -62135596800000 && ms <= 253402300799999) {
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
  const dt = t instanceof Date ? DateTime.fromJSDate(t) : t;
  return dt.toUTC().toFormat(DB_FORMAT);
}

export function fromDbTime(value: string | Date | null | undefined): DateTime | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: 'utc' });
  // MySQL returns 'YYYY-MM-DD HH:MM:SS.sss'; a value written by SQLite tooling might use 'T'.
  const m = DB_TIME.exec(value);
  if (m) {
    const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
    const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, sec!, Number((m[7] ?? '').padEnd(3, '0')));
    const back = new Date(ms);
    // Date.UTC rolls 31 February over into March; such a value goes to luxon, which calls it invalid.
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo! - 1 && back.getUTCDate() === d && h! < 24) {
      return DateTime.fromMillis(ms, { zone: 'utc' });
    }
  }
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
