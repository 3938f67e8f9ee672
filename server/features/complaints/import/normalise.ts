// Turns the loose values found in IGRS exports (Hindi digits, Indian date forms, mobiles) into clean ones.
import { DateTime } from 'luxon';
import { PhoneNumber } from 'libphonenumber-js/core';
// Mobile-only metadata: "valid" then means "a valid mobile", with no separate type lookup.
import mobileMetadata from 'libphonenumber-js/metadata.mobile.json';

export type Normalised<T> =
  { ok: true; value: T } | { ok: false; reason: string; params?: Record<string, string | number> };

export type CellValue = string | number | Date;

const ok = <T>(value: T): Normalised<T> => ({ ok: true, value });
const fail = <T>(reason: string, params?: Record<string, string | number>): Normalised<T> => ({
  ok: false,
  reason,
  params,
});

// ---------------------------------------------------------------------------------------------------
// Digits and matching keys

const DEVANAGARI_DIGIT = /[०-९]/g;
const HAS_DEVANAGARI_DIGIT = /[०-९]/;

/** ०–९ → 0–9; everything else untouched. */
export function toAsciiDigits(text: string): string {
  if (!HAS_DEVANAGARI_DIGIT.test(text)) return text;
  return text.replace(DEVANAGARI_DIGIT, (digit) => String(digit.charCodeAt(0) - 0x0966));
}

const NUKTA = /\u093c/g;
const CHANDRABINDU = /\u0901/g;
// A nasal consonant + virama before another consonant is written either way (कौशाम्बी / कौशांबी).
const HALF_NASAL = /[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0939])/g;
// Everything that is not a letter, a combining mark or a digit: spaces, punctuation, ZWJ/ZWNJ.
const NOT_WORD = /[^\p{L}\p{M}\p{N}]+/gu;

/**
 * The form in which headers and master-list names are compared: NFC, lower case, ASCII digits,
 * no spaces or punctuation, and the Devanagari spellings that people write interchangeably folded
 * together (nukta, chandrabindu vs anusvara, half nasal vs anusvara).
 */
export function matchKey(text: string): string {
  return toAsciiDigits(text.normalize('NFD').replace(NUKTA, '').normalize('NFC').toLowerCase())
    .replace(CHANDRABINDU, '\u0902')
    .replace(HALF_NASAL, '\u0902')
    .replace(NOT_WORD, '');
}

// ---------------------------------------------------------------------------------------------------
// Dates: everything in an export is Asia/Kolkata wall-clock time; we return the UTC instant.

// India has kept +05:30 without daylight saving since 1945, so a fixed offset is exact for every
// date we accept (2000–2099) and spares a luxon DateTime per cell.
const IST_OFFSET_MS = 330 * 60_000;
const MIN_YEAR = 2000;
const MAX_YEAR = 2099;
// Excel's day 0 is 1899-12-30 (its 1900 leap-year bug cancels out for every date after March 1900).
const EXCEL_EPOCH_DAYS = 25569;
const EXCEL_SERIAL_MIN = 36526; // 2000-01-01
const EXCEL_SERIAL_MAX = 73415; // 2099-12-31

const DAY_MONTH_YEAR =
  /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:(?:\s+|\s*,\s*|T)(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\.\d+)?\s*([ap]\.?m\.?)?)?$/i;
const DAY_MONTHNAME_YEAR =
  /^(\d{1,2})[\s/-]?([a-z]{3,9})[\s/,-]+(\d{4})(?:(?:\s+|\s*,\s*)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?$/i;
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T\s](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const SERIAL = /^\d{5}(?:\.\d+)?$/;

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A Kolkata wall-clock time as a UTC instant, or a failure naming what is wrong. */
function fromIstParts(
  raw: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  meridiem?: string,
): Normalised<Date> {
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return fail('import.error.badDate', { value: raw });
    const pm = meridiem[0] === 'p' || meridiem[0] === 'P';
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return fail('import.error.badDate', { value: raw });
  }
  if (hour > 23 || minute > 59 || second > 59) return fail('import.error.badDate', { value: raw });
  if (year < MIN_YEAR || year > MAX_YEAR) return fail('import.error.dateOutOfRange', { value: raw });
  return ok(new Date(Date.UTC(year, month - 1, day, hour, minute, second) - IST_OFFSET_MS));
}

function fromExcelSerial(serial: number, raw: string): Normalised<Date> {
  if (!Number.isFinite(serial)) return fail('import.error.badDate', { value: raw });
  if (serial < EXCEL_SERIAL_MIN || serial >= EXCEL_SERIAL_MAX + 1) {
    return fail('import.error.dateOutOfRange', { value: raw });
  }
  // Serials carry the time as a fraction of a day; round to the second to undo floating-point noise.
  const wallClockMs = Math.round((serial - EXCEL_EPOCH_DAYS) * 86_400) * 1000;
  return ok(new Date(wallClockMs - IST_OFFSET_MS));
}

/**
 * Reads a date cell: dd/MM/yyyy, dd-MM-yyyy, dd.MM.yyyy (each optionally with HH:mm, HH:mm:ss and
 * AM/PM), dd-MMM-yyyy, ISO 8601 (an explicit offset wins over Kolkata), Excel serial numbers, and
 * Date objects from XLSX cells (whose UTC fields hold the wall-clock time Excel showed).
 */
export function parseIstDate(value: CellValue): Normalised<Date> {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) return fail('import.error.badDate', { value: String(value) });
    const year = value.getUTCFullYear();
    if (year < MIN_YEAR || year > MAX_YEAR)
      return fail('import.error.dateOutOfRange', { value: value.toISOString() });
    return ok(new Date(Math.round(ms / 1000) * 1000 - IST_OFFSET_MS));
  }
  if (typeof value === 'number') return fromExcelSerial(value, String(value));

  const raw = value.trim();
  const text = toAsciiDigits(raw);
  let m = DAY_MONTH_YEAR.exec(text);
  if (m) {
    return fromIstParts(raw, +m[3], +m[2], +m[1], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7]);
  }
  m = ISO_LIKE.exec(text);
  if (m) {
    const zone = m[8];
    if (zone === undefined) {
      const result = fromIstParts(
        raw,
        +m[1],
        +m[2],
        +m[3],
        m[4] ? +m[4] : 0,
        m[5] ? +m[5] : 0,
        m[6] ? +m[6] : 0,
      );
      if (result.ok && m[7]) result.value.setTime(result.value.getTime() + Math.floor(+`0.${m[7]}` * 1000));
      return result;
    }
    const dt = DateTime.fromISO(text.replace(' ', 'T'), { setZone: true });
    if (!dt.isValid) return fail('import.error.badDate', { value: raw });
    if (dt.year < MIN_YEAR || dt.year > MAX_YEAR) return fail('import.error.dateOutOfRange', { value: raw });
    return ok(dt.toJSDate());
  }
  m = DAY_MONTHNAME_YEAR.exec(text);
  if (m) {
    const month = MONTHS[m[2].toLowerCase()];
    if (month === undefined) return fail('import.error.badDate', { value: raw });
    return fromIstParts(raw, +m[3], month, +m[1], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7]);
  }
  if (SERIAL.test(text)) return fromExcelSerial(Number(text), raw);
  return fail('import.error.badDate', { value: raw });
}

// ---------------------------------------------------------------------------------------------------
// Mobile numbers

const PHONE_PUNCTUATION = /[\s\-().\u00a0/]/g;
const INDIAN_NUMBER = /^(?:\+91|0091|91|0)?(\d{10})$/;
// Mobile series are allocated in blocks of 10^5 numbers (five-digit codes), and libphonenumber's
// Indian mobile patterns decide on at most the first five digits, so one answer per prefix is exact
// and saves a metadata walk (~4 µs) per row. A unit test checks this against the installed metadata.
const MOBILE_PREFIX_DIGITS = 5;
const mobilePrefixCache = new Map<string, boolean>();

/** libphonenumber's verdict (mobile-only metadata, so "valid" means "a valid Indian mobile"). */
export function isIndianMobileUncached(tenDigits: string): boolean {
  return new PhoneNumber(`+91${tenDigits}` as `+${string}`, mobileMetadata).isValid();
}

function isIndianMobile(tenDigits: string): boolean {
  const prefix = tenDigits.slice(0, MOBILE_PREFIX_DIGITS);
  let valid = mobilePrefixCache.get(prefix);
  if (valid === undefined) {
    valid = isIndianMobileUncached(tenDigits);
    mobilePrefixCache.set(prefix, valid);
  }
  return valid;
}

/**
 * An Indian mobile in E.164 (+91XXXXXXXXXX). Accepts +91 / 0091 / 91 / 0 prefixes, spaces, dashes,
 * dots, brackets, Devanagari digits and numeric XLSX cells. Landlines and other countries are refused.
 */
export function parseIndianMobile(value: CellValue): Normalised<string> {
  if (value instanceof Date) return fail('import.error.badMobile', { value: value.toISOString() });
  const raw = typeof value === 'number' ? String(value) : value.trim();
  const m = INDIAN_NUMBER.exec(toAsciiDigits(raw).replace(PHONE_PUNCTUATION, ''));
  if (!m) return fail('import.error.badMobile', { value: raw });
  const tenDigits = m[1];
  if (!isIndianMobile(tenDigits)) return fail('import.error.notMobile', { value: raw });
  return ok(`+91${tenDigits}`);
}
