// Reads an export into chunks of complaints ready to write: parses, validates, hashes; no database.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { DEPARTMENTS, DISTRICTS, type MasterEntry } from '../master-data.js';
import { columnSpec, looksLikeHeaderRow, mapHeaders } from './columns.js';
import { departmentMatcher, districtMatcher } from './name-matcher.js';
import { ByteWriter } from './byte-writer.js';
import { RawText } from './raw-text.js';
import { ReferenceSet } from './reference-set.js';
import { ImportFileError, openRowSource, type RawRow, type RowSource } from './row-reader.js';
import { createRowValidator, type ComplaintRecord, type RowError } from './validate-row.js';

/**
 * Exports often leave the designation out; the officers table needs one to tell two officers of the
 * same name apart. A dash keeps them findable and is plainly "not given" in either language.
 */
export const DESIGNATION_NOT_GIVEN = '—';
// Row errors kept before they are handed on with a chunk; a file of bad rows stays flat in memory too.
const ERROR_FLUSH = 2000;
// A chunk is also handed on once its texts reach this many characters (~8 MB in memory), so rows of
// long texts (up to 64 KB each of three) keep the chunks in flight as small as ordinary ones.
const CHUNK_TEXT_CHARS = 4_000_000;

/** The master lists as stored (ids and names), which the reader matches names against. */
export interface MasterLists {
  districts: { id: number; code: string; name_en: string; name_hi: string }[];
  departments: { id: number; code: string; name_en: string; name_hi: string; aliases: string }[];
}

/** Everything the reader needs: plain data, so it can be handed to a worker thread. */
export interface ReadSetup {
  filePath: string;
  sheet?: string;
  batchId: number;
  chunkRows: number;
  master: MasterLists;
  /** Districts whose complaints this import may write; a row of another district is rejected. */
  allowedDistricts: number[] | 'all';
}

/** A complaint's columns; the long texts may be bytes (RawText) that each writer turns into what it sends. */
export type ComplaintWrite = Record<string, string | number | boolean | null | RawText>;

export interface OfficerKey {
  district_id: number;
  department_id: number;
  name: string;
  designation: string;
}

/** A complaint ready to write, with what the comparison with the stored one needs. */
export interface PreparedRow {
  reference: string;
  hash: string;
  write: ComplaintWrite;
  officer: OfficerKey | null;
}

export interface ImportErrorRow {
  batch_id: number;
  row_number: number;
  column_name: string | null;
  reason_key: string;
  /** The message parameters, as JSON. */
  detail: string | null;
}

/** Counts so far, from the start of the file. */
export interface ReadCounts {
  rowsRead: number;
  rejected: number;
  /** Rows imported with a remark (a complaint without a valid mobile). */
  warnings: number;
}

/** Why reading stopped early: a file problem (refused or failed) or something unexpected. */
export interface ReadFailure {
  fileError: boolean;
  key: string;
  params: Record<string, string | number>;
}

export type ReadMessage =
  | {
      type: 'chunk';
      rows: PreparedRow[];
      /** Between threads: the rows packed into one string (chunk-codec.ts), `rows` then empty. */
      packed?: string;
      errors: ImportErrorRow[];
      counts: ReadCounts;
      bytesRead: number;
      /** Districts of the rows read so far (with a known district), for the batch's scope. */
      districtIds: number[];
    }
  | {
      type: 'end';
      /** Errors not yet handed on (the file's last ones). */
      errors: ImportErrorRow[];
      counts: ReadCounts;
      districtIds: number[];
      sha256: string;
      failure?: ReadFailure;
    };

/**
 * Reads the file once, front to back: rows are validated and prepared in file order and handed on a
 * chunk at a time; the file's SHA-256 is taken from the same bytes. The last message is always `end`,
 * also when the file is refused or breaks off (its `failure` says why).
 */
export async function* readExport(setup: ReadSetup): AsyncGenerator<ReadMessage, void, undefined> {
  const fileHash = createHash('sha256');
  let hashedBytes = 0;
  const counts: ReadCounts = { rowsRead: 0, rejected: 0, warnings: 0 };
  const errors: ImportErrorRow[] = [];
  const districtIds = new Set<number>();
  let failure: ReadFailure | undefined;
  let source: RowSource | undefined;
  try {
    source = await openRowSource(setup.filePath, {
      sheet: setup.sheet,
      isHeaderRow: looksLikeHeaderRow,
      onBytes: (chunk) => {
        fileHash.update(chunk);
        hashedBytes += chunk.length;
      },
    });
    const prepareRow = rowPreparer(source, setup, counts, errors, districtIds);
    const chunkOf = (rows: PreparedRow[]): ReadMessage => ({
      type: 'chunk',
      rows,
      errors: errors.splice(0),
      counts: { ...counts },
      bytesRead: source!.bytesRead(),
      districtIds: [...districtIds],
    });
    let chunk: PreparedRow[] = [];
    let chunkChars = 0;
    for await (const batch of source.batches) {
      for (const raw of batch) {
        const row = prepareRow(raw);
        if (row !== null) {
          chunk.push(row);
          chunkChars += textLength(row);
        }
        if (
          chunk.length >= setup.chunkRows ||
          chunkChars >= CHUNK_TEXT_CHARS ||
          errors.length >= ERROR_FLUSH
        ) {
          chunkChars = 0;
          yield chunkOf(chunk);
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) yield chunkOf(chunk);
  } catch (error) {
    failure =
      error instanceof ImportFileError
        ? { fileError: true, key: error.key, params: error.params }
        : {
            fileError: false,
            key: 'import.error.failed',
            params: { detail: String((error as Error).message ?? error).slice(0, 300) },
          };
  } finally {
    source?.close();
  }
  const sha256 = await hashRest(setup.filePath, fileHash, hashedBytes).catch(() => '');
  yield { type: 'end', errors, counts, districtIds: [...districtIds], sha256, failure };
}

/** Validates and prepares one row at a time (null: rejected), keeping the file's state (references seen). */
function rowPreparer(
  source: RowSource,
  setup: ReadSetup,
  counts: ReadCounts,
  errors: ImportErrorRow[],
  districtIds: Set<number>,
) {
  const mapping = mapHeaders(source.headers);
  if (mapping.missing.length > 0) {
    throw new ImportFileError('import.error.missingColumns', {
      columns: mapping.missing.map((k) => `${columnSpec(k).labelHi} / ${columnSpec(k).labelEn}`).join(', '),
    });
  }
  const { batchId, master } = setup;
  for (const d of mapping.duplicates) {
    errors.push({
      batch_id: batchId,
      row_number: source.headerRowNumber,
      column_name: d.headers.join(', ').slice(0, 100),
      reason_key: 'import.warning.duplicateColumn',
      detail: JSON.stringify({ column: columnSpec(d.column).labelEn, headers: d.headers.join(', ') }),
    });
  }
  const districtIdOf = new Map(master.districts.map((d) => [d.code, d.id]));
  const departmentIdOf = new Map(master.departments.map((d) => [d.code, d.id]));
  const allowed = setup.allowedDistricts === 'all' ? null : new Set(setup.allowedDistricts);
  const validate = createRowValidator(mapping, {
    districts: districtMatcher(withStaticAliases(master.districts, DISTRICTS)),
    departments: departmentMatcher(
      master.departments.map((d) => ({
        code: d.code,
        nameEn: d.name_en,
        nameHi: d.name_hi,
        aliases: [...parseAliases(d.aliases), ...(DEPARTMENTS.find((s) => s.code === d.code)?.aliases ?? [])],
      })),
    ),
  });
  const referenceColumn = (mapping.columns.reference_no ?? 'reference_no').slice(0, 100);
  const districtColumn = (mapping.columns.district ?? 'district').slice(0, 100);
  const seen = new ReferenceSet();
  // The long texts reach the hash and the database as the bytes they were read as.
  const longTexts = [
    mapping.columns.address,
    mapping.columns.complaint_text,
    mapping.columns.disposal_report,
  ];
  source.keepRawText(longTexts.filter((h): h is string => h !== undefined));

  return function prepareRow(row: RawRow): PreparedRow | null {
    counts.rowsRead++;
    const result = validate(row);
    let record: ComplaintRecord;
    if (result.ok) record = result.record;
    else {
      const mobileOnly = result.errors.every((e) => e.field === 'mobile');
      if (!mobileOnly) {
        counts.rejected++;
        for (const e of result.errors) errors.push(errorRow(batchId, e));
        return null;
      }
      // A complaint without a valid mobile is still a disposed complaint the desk must know of; it
      // is imported without a number (and so left out of every sampling frame), with a warning.
      const retry = validate({ ...row, cells: withoutMobile(row.cells, mapping.columns.mobile!) });
      if (!retry.ok) {
        counts.rejected++;
        for (const e of result.errors) errors.push(errorRow(batchId, e));
        return null;
      }
      record = { ...retry.record, mobile: '' };
      counts.warnings++;
      for (const e of result.errors) errors.push(warningRow(batchId, e));
    }
    const districtId = districtIdOf.get(record.district_code!)!;
    if (allowed !== null && !allowed.has(districtId)) {
      counts.rejected++;
      errors.push({
        batch_id: batchId,
        row_number: row.rowNumber,
        column_name: districtColumn,
        reason_key: 'import.error.districtOutOfScope',
        detail: JSON.stringify({ value: record.district }),
      });
      return null;
    }
    // The batch's districts: those of the uploader's that its rows name (who may open it follows).
    districtIds.add(districtId);
    const firstRow = seen.firstRowOf(record.reference_no, row.rowNumber);
    if (firstRow !== undefined) {
      counts.rejected++;
      errors.push({
        batch_id: batchId,
        row_number: row.rowNumber,
        column_name: referenceColumn,
        reason_key: 'import.error.duplicateReference',
        detail: JSON.stringify({ firstRow, value: record.reference_no }),
      });
      return null;
    }
    return prepare(record, districtId, departmentIdOf.get(record.department_code!)!, batchId);
  };
}

function textLength(row: PreparedRow): number {
  const w = row.write;
  return sizeOf(w.address) + sizeOf(w.complaint_text) + sizeOf(w.disposal_report) + sizeOf(w.extra) + 200;
}

/** Characters of a text, or bytes of one kept as bytes (at most as much memory as that many characters). */
const sizeOf = (v: ComplaintWrite[string]): number =>
  v instanceof RawText ? v.byteLength : typeof v === 'string' ? v.length : 0;

function errorRow(batchId: number, e: RowError): ImportErrorRow {
  return {
    batch_id: batchId,
    row_number: e.row,
    column_name: e.column.slice(0, 100),
    reason_key: e.reasonKey,
    detail: JSON.stringify(e.params),
  };
}

/** A mobile problem on an imported row: import.error.badMobile → import.warning.badMobile. */
function warningRow(batchId: number, e: RowError): ImportErrorRow {
  const reason = e.reasonKey === 'import.error.missingValue' ? 'import.error.missingMobile' : e.reasonKey;
  return { ...errorRow(batchId, e), reason_key: reason.replace('import.error.', 'import.warning.') };
}

function withoutMobile(cells: Record<string, unknown>, header: string) {
  const copy = { ...cells } as Record<string, string>;
  copy[header] = '9876543210'; // passes as a mobile; the caller drops it
  return copy;
}

const dbTime = (d: Date | null): string | null =>
  d === null ? null : d.toISOString().slice(0, 23).replace('T', ' ');

/**
 * The fields a row of the export sets, in the order they are hashed. `officer_id` is written too but
 * not hashed: it is derived from the officer's name and designation, which are hashed instead.
 */
export const HASHED_COLUMNS = [
  'source',
  'received_at',
  'due_at',
  'disposed_at',
  'complainant_name',
  'mobile',
  'address',
  'district_id',
  'tehsil',
  'block',
  'thana',
  'department_id',
  'subject',
  'complaint_text',
  'disposal_report',
  'status',
  'extra',
] as const;

function prepare(r: ComplaintRecord, districtId: number, departmentId: number, batchId: number): PreparedRow {
  const extra = Object.keys(r.extra).length > 0 ? JSON.stringify(r.extra) : null;
  const write: ComplaintWrite = {
    reference_no: r.reference_no,
    source: r.source,
    received_at: dbTime(r.received_at),
    due_at: dbTime(r.due_at),
    disposed_at: dbTime(r.disposed_at),
    complainant_name: r.complainant_name,
    mobile: r.mobile === '' ? null : r.mobile,
    address: r.address,
    district_id: districtId,
    tehsil: r.tehsil,
    block: r.block,
    thana: r.thana,
    department_id: departmentId,
    officer_id: null,
    subject: r.subject,
    complaint_text: r.complaint_text,
    disposal_report: r.disposal_report,
    status: r.status,
    redisposed: false,
    extra,
    content_hash: '',
    import_batch_id: batchId,
  };
  write.content_hash = contentHash(write, r.officer_name, r.officer_designation);
  const officer =
    r.officer_name === null
      ? null
      : {
          district_id: districtId,
          department_id: departmentId,
          name: r.officer_name,
          designation: r.officer_designation ?? DESIGNATION_NOT_GIVEN,
        };
  return { reference: r.reference_no, hash: write.content_hash as string, write, officer };
}

// One row's bytes at a time (synchronous, so one writer serves every row).
const rowBytes = new ByteWriter(1 << 16);

/**
 * SHA-256 over every field the export sets, in a fixed order, each followed by \u0001 (null: \u0000),
 * then the officer's name and designation: the same row read again hashes the same. The UTF-8 of the
 * fields goes into one buffer, long texts copied as the bytes they were read as, and is hashed at once.
 */
function contentHash(write: ComplaintWrite, officerName: string | null, designation: string | null): string {
  rowBytes.reset();
  let text = '';
  for (const key of HASHED_COLUMNS) {
    const v = write[key];
    if (v instanceof RawText) {
      rowBytes.text(text);
      rowBytes.bytes(v.bytes);
      text = '\u0001';
    } else text += (v === null ? '\u0000' : String(v)) + '\u0001';
  }
  text += (officerName ?? '\u0000') + '\u0001' + (designation ?? '\u0000');
  rowBytes.text(text);
  return createHash('sha256').update(rowBytes.written()).digest('hex');
}

function parseAliases(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function withStaticAliases(
  rows: { code: string; name_en: string; name_hi: string }[],
  known: MasterEntry[],
): MasterEntry[] {
  return rows.map((d) => ({
    code: d.code,
    nameEn: d.name_en,
    nameHi: d.name_hi,
    aliases: known.find((k) => k.code === d.code)?.aliases ?? [],
  }));
}

/** Finishes the file's hash from where reading stopped (a refused file is hashed whole all the same). */
async function hashRest(filePath: string, hash: Hash, from: number): Promise<string> {
  const size = (await fs.promises.stat(filePath)).size;
  if (from < size) {
    for await (const chunk of fs.createReadStream(filePath, { start: from, highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  }
  return hash.digest('hex');
}
