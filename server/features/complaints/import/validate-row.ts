// Checks one export row and turns it into a complaint record, or lists every bad cell in it.
import { columnSpec, type ColumnKey, type HeaderMapping } from './columns.js';
import type { NameMatcher } from './name-matcher.js';
import { matchKey, parseIndianMobile, parseIstDate, toAsciiDigits, type CellValue } from './normalise.js';
import { RawText, textOf } from './raw-text.js';
import type { RawRow } from './row-reader.js';

export type ComplaintStatus =
  'disposed' | 'pending' | 'defaulter' | 'special_closed' | 'reopened' | 'c_grade';

/** One complaint as read from an export; field names match the `complaints` table. */
export interface ComplaintRecord {
  reference_no: string;
  source: string | null;
  received_at: Date | null;
  due_at: Date | null;
  disposed_at: Date;
  complainant_name: string | null;
  /** E.164, e.g. +919876543210. */
  mobile: string;
  /** The long texts may stay bytes (RawText) when read from a UTF-8 CSV. */
  address: string | RawText | null;
  /** As written in the export; `district_code` holds the master-list match when matchers were given. */
  district: string;
  tehsil: string | null;
  block: string | null;
  thana: string | null;
  department: string;
  officer_name: string | null;
  officer_designation: string | null;
  subject: string | null;
  complaint_text: string | RawText | null;
  disposal_report: string | RawText | null;
  status: ComplaintStatus;
  /** Unknown columns, by header, non-empty values only. */
  extra: Record<string, string>;
  district_code?: string;
  department_code?: string;
}

export interface RowError {
  row: number;
  /** The header as written in the file (what the user looks for). */
  column: string;
  field?: ColumnKey;
  reasonKey: string;
  params: Record<string, string | number>;
}

export type RowResult = { ok: true; record: ComplaintRecord } | { ok: false; errors: RowError[] };

export interface RowValidatorOptions {
  /** When given, district and department names must match the master lists (else a row error). */
  districts?: NameMatcher<string>;
  departments?: NameMatcher<string>;
}

/** Longest value per column, in characters, as the `complaints` table stores them. */
export const FIELD_LIMITS: Partial<Record<ColumnKey, number>> = {
  reference_no: 40,
  source: 60,
  complainant_name: 200,
  district: 100,
  tehsil: 100,
  block: 100,
  thana: 100,
  department: 150,
  officer_name: 150,
  officer_designation: 150,
  subject: 500,
};
/** TEXT columns hold 65,535 bytes on MySQL/MariaDB. */
export const TEXT_LIMIT_BYTES = 65_535;
// A UTF-16 code unit takes at most 3 bytes in UTF-8, so shorter strings need no byte count.
const TEXT_SAFE_CHARS = Math.floor(TEXT_LIMIT_BYTES / 3);

const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/;
// What Excel does to a long number when a CSV is opened and saved again: 4.00187E+13.
const SCIENTIFIC = /^\d(?:\.\d+)?e\+?\d+$/i;
const LINE_BREAK = /\r\n?/g;
const IST_OFFSET_MS = 330 * 60_000;
const DAY_MS = 86_400_000;

const STATUS_ALIASES: Record<ComplaintStatus, string[]> = {
  disposed: ['disposed', 'disposed off', 'closed', 'resolved', 'निस्तारित', 'निस्तारण', 'निस्तारित शिकायत'],
  pending: ['pending', 'open', 'under process', 'in process', 'लंबित', 'अनिस्तारित', 'प्रक्रियाधीन'],
  defaulter: ['defaulter', 'default', 'overdue', 'डिफॉल्टर', 'डिफाल्टर', 'समय सीमा से बाहर'],
  special_closed: [
    'special closed',
    'special close',
    'specially closed',
    'विशेष निस्तारित',
    'स्पेशल क्लोज',
    'स्पेशल क्लोज्ड',
  ],
  reopened: ['reopened', 're opened', 'reopen', 'revived', 'पुनर्जीवित', 'पुनः खोली गई', 'री ओपन'],
  c_grade: ['c grade', 'c-grade', 'grade c', 'सी ग्रेड', 'सी-ग्रेड'],
};
const STATUS_BY_KEY = new Map<string, ComplaintStatus>(
  (Object.entries(STATUS_ALIASES) as [ComplaintStatus, string[]][]).flatMap(([status, names]) =>
    [status, ...names].map((name) => [matchKey(name), status] as [string, ComplaintStatus]),
  ),
);
// The export is of disposed complaints; a file without a status column means exactly that.
const DEFAULT_STATUS: ComplaintStatus = 'disposed';

export function statusFromText(text: string): ComplaintStatus | undefined {
  return STATUS_BY_KEY.get(matchKey(text));
}

export type RowValidator = (row: RawRow) => RowResult;

/**
 * Compiles the checks for one file's header mapping once, so each row costs only its own work.
 * Every bad cell of a row is reported, not just the first.
 */
export function createRowValidator(mapping: HeaderMapping, options: RowValidatorOptions = {}): RowValidator {
  const headerOf = (key: ColumnKey) => mapping.columns[key] ?? columnSpec(key).labelEn;
  const extras = mapping.extras;
  const statusCache = new Map<string, ComplaintStatus | undefined>();

  // Per-row state lives here rather than in closures made for every row: validation is synchronous.
  let cells: Record<string, CellValue | RawText> = {};
  let rowNumber = 0;
  let errors: RowError[] | null = null;

  const report = (key: ColumnKey, reasonKey: string, params: Record<string, string | number> = {}) => {
    (errors ??= []).push({ row: rowNumber, column: headerOf(key), field: key, reasonKey, params });
  };
  const cell = (key: ColumnKey): CellValue | undefined => {
    const h = mapping.columns[key];
    if (h === undefined) return undefined;
    const value = textOf(cells[h]);
    return typeof value === 'string' && isBlank(value) ? undefined : value;
  };
  const required = (key: ColumnKey): CellValue | undefined => {
    const value = cell(key);
    if (value === undefined) report(key, 'import.error.missingValue');
    return value;
  };
  const date = (key: ColumnKey, value: CellValue | undefined): Date | null => {
    if (value === undefined) return null;
    const parsed = parseIstDate(value);
    if (parsed.ok) return parsed.value;
    report(key, parsed.reason, parsed.params);
    return null;
  };
  const text = (key: ColumnKey, value: CellValue | undefined = cell(key)): string | null => {
    if (value === undefined) return null;
    const s = cellString(value);
    const limit = FIELD_LIMITS[key];
    if (limit !== undefined && s.length > limit)
      report(key, 'import.error.tooLong', { max: limit, length: s.length });
    return s;
  };
  const longText = (key: ColumnKey): string | RawText | null => {
    const h = mapping.columns[key];
    const raw = h === undefined ? undefined : cells[h];
    if (raw instanceof RawText && isPlainRaw(raw.bytes)) {
      if (raw.byteLength > TEXT_LIMIT_BYTES) {
        report(key, 'import.error.tooLong', { max: TEXT_LIMIT_BYTES, length: raw.byteLength });
      }
      return raw;
    }
    const value = cell(key);
    if (value === undefined) return null;
    let s = cellString(value);
    if (s.includes('\r')) s = s.replace(LINE_BREAK, '\n');
    if (s.length > TEXT_SAFE_CHARS && Buffer.byteLength(s) > TEXT_LIMIT_BYTES) {
      report(key, 'import.error.tooLong', { max: TEXT_LIMIT_BYTES, length: Buffer.byteLength(s) });
    }
    return s;
  };
  const reference = (value: CellValue | undefined): string => {
    if (value === undefined) return '';
    const ref = referenceText(value);
    if (SCIENTIFIC.test(ref)) report('reference_no', 'import.error.scientificNotation', { value: ref });
    else if (ref.length > FIELD_LIMITS.reference_no!) {
      report('reference_no', 'import.error.tooLong', { max: FIELD_LIMITS.reference_no!, length: ref.length });
    } else if (!REFERENCE.test(ref)) report('reference_no', 'import.error.badReference', { value: ref });
    return ref;
  };
  const mobile = (value: CellValue | undefined): string => {
    if (value === undefined) return '';
    if (typeof value === 'string' && SCIENTIFIC.test(value.trim())) {
      report('mobile', 'import.error.scientificNotation', { value: value.trim() });
      return '';
    }
    const parsed = parseIndianMobile(value);
    if (parsed.ok) return parsed.value;
    report('mobile', parsed.reason, parsed.params);
    return '';
  };
  const status = (value: CellValue | undefined): ComplaintStatus => {
    if (value === undefined) return DEFAULT_STATUS;
    const s = cellString(value);
    let found = statusCache.get(s);
    if (found === undefined && !statusCache.has(s)) {
      found = statusFromText(s);
      if (statusCache.size < 1000) statusCache.set(s, found);
    }
    if (found === undefined) report('status', 'import.error.unknownStatus', { value: s });
    return found ?? DEFAULT_STATUS;
  };
  const master = (key: 'district' | 'department', name: string, matcher: NameMatcher<string> | undefined) => {
    if (!matcher || name === '') return undefined;
    const code = matcher.match(name);
    if (code === undefined) {
      report(key, key === 'district' ? 'import.error.unknownDistrict' : 'import.error.unknownDepartment', {
        value: name,
      });
    }
    return code;
  };
  const extra = (row: RawRow): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const h of extras) {
      const value = cells[h];
      if (value === undefined) continue;
      const s = cellString(value);
      if (s !== '') out[h] = s;
    }
    if (row.overflow) {
      for (const h in row.overflow) {
        const s = cellString(row.overflow[h]);
        if (s !== '') out[h] = s;
      }
    }
    return out;
  };

  return function validateRow(row: RawRow): RowResult {
    cells = row.cells;
    rowNumber = row.rowNumber;
    errors = null;

    const referenceNo = reference(required('reference_no'));
    const receivedAt = date('received_at', cell('received_at'));
    const dueAt = date('due_at', cell('due_at'));
    const disposedAt = date('disposed_at', required('disposed_at'));
    if (disposedAt && receivedAt && istDayNumber(disposedAt) < istDayNumber(receivedAt)) {
      report('disposed_at', 'import.error.disposedBeforeReceived');
    }
    const district = text('district', required('district')) ?? '';
    const department = text('department', required('department')) ?? '';
    // One literal, so every record shares a shape (V8 keeps such objects fast).
    const record: ComplaintRecord = {
      reference_no: referenceNo,
      source: text('source'),
      received_at: receivedAt,
      due_at: dueAt,
      disposed_at: disposedAt!,
      complainant_name: text('complainant_name'),
      mobile: mobile(required('mobile')),
      address: longText('address'),
      district,
      tehsil: text('tehsil'),
      block: text('block'),
      thana: text('thana'),
      department,
      officer_name: text('officer_name'),
      officer_designation: text('officer_designation'),
      subject: text('subject'),
      complaint_text: longText('complaint_text'),
      disposal_report: longText('disposal_report'),
      status: status(cell('status')),
      extra: extra(row),
      district_code: master('district', district, options.districts),
      department_code: master('department', department, options.departments),
    };
    return errors === null ? { ok: true, record } : { ok: false, errors };
  };
}

const validators = new WeakMap<HeaderMapping, RowValidator>();

/** One-off form of createRowValidator (tests, single rows); the importer compiles a validator per file. */
export function validateRow(row: RawRow, mapping: HeaderMapping): RowResult {
  let validator = validators.get(mapping);
  if (!validator) {
    validator = createRowValidator(mapping);
    validators.set(mapping, validator);
  }
  return validator(row);
}

/**
 * Bytes that are the cell's text as it is: nothing for trim() to take off either end (an ASCII space,
 * or a character whose UTF-8 lead byte could start a Unicode space), and no CR to turn into LF.
 * Anything else is decoded and cleaned as a string.
 */
function isPlainRaw(bytes: Buffer): boolean {
  const first = bytes[0]!;
  if (first <= 0x20 || MAY_BE_SPACE_LEAD.has(first)) return false;
  let last = bytes.length - 1;
  while (last > 0 && (bytes[last]! & 0xc0) === 0x80) last--; // back over continuation bytes
  const lead = bytes[last]!;
  if (lead <= 0x20 || MAY_BE_SPACE_LEAD.has(lead)) return false;
  return bytes.indexOf(0x0d) === -1;
}
// U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF start with these.
const MAY_BE_SPACE_LEAD = new Set([0xc2, 0xe1, 0xe2, 0xe3, 0xef]);

const WHITESPACE_ONLY = /^\s*$/;
function isBlank(value: string): boolean {
  // Most cells start with a visible character; only those that do not need the regex.
  return (
    value === '' ||
    (value.charCodeAt(0) <= 32 || value.charCodeAt(0) === 0xa0 ? WHITESPACE_ONLY.test(value) : false)
  );
}

function cellString(value: CellValue | RawText): string {
  if (typeof value === 'string') return value.trim();
  if (value instanceof RawText) return value.toString().trim();
  if (typeof value === 'number') return String(value);
  return istWallClock(value);
}

/** Reference numbers: XLSX often stores them as numbers; Hindi digits read as ASCII. */
function referenceText(value: CellValue): string {
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  return toAsciiDigits(cellString(value));
}

/** The Kolkata calendar day of an instant, as a day count; compares days without a DateTime per row. */
function istDayNumber(instant: Date): number {
  return Math.floor((instant.getTime() + IST_OFFSET_MS) / DAY_MS);
}

/** An XLSX date cell as the wall-clock text Excel showed (its UTC fields are the wall clock). */
function istWallClock(value: Date): string {
  const iso = value.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
}
