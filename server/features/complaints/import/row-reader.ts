// Streams the rows of an uploaded export (CSV or XLSX) with the row numbers a spreadsheet user sees.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { type Duplex, pipeline, type Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import { AppError } from '../../../shared/errors.js';
import { CsvRecordTooLong, csvRecords } from './csv-bytes.js';
import { matchKey, type CellValue } from './normalise.js';
import { RawText, textOf } from './raw-text.js';

export type { CellValue } from './normalise.js';

export interface RawRow {
  /** The row as a spreadsheet shows it: the header is row 1 (if the table starts at the top). */
  rowNumber: number;
  /** CSV only: the text line the record starts on (differs from rowNumber once a cell holds line breaks). */
  line?: number;
  /** Non-empty cells by header; long cells of the headers given to keepRawText may be bytes. */
  cells: Record<string, CellValue | RawText>;
  /** Non-empty cells beyond the last header, by "Column X"; absent in a well-formed file. */
  overflow?: Record<string, CellValue>;
}

export interface RowSource {
  format: 'csv' | 'xlsx';
  /** Headers as written in the file (trimmed; blanks named "Column X", repeats suffixed " (2)"). */
  headers: string[];
  headerRowNumber: number;
  /** XLSX: the sheet being read. */
  sheet?: string;
  /** Data rows after the header; wholly empty rows are skipped. Iterate once (this or `batches`). */
  rows: AsyncIterable<RawRow>;
  /** The same rows a batch at a time (a CSV: those of one read of the file), for less per-row overhead. */
  batches: AsyncIterable<RawRow[]>;
  /** Stops reading and releases the file; safe to call twice. */
  close(): void;
  /** Bytes of the file read so far (for a progress bar). */
  bytesRead(): number;
  /**
   * Cells of these headers may come as RawText (long CSV cells, valid UTF-8) from the next row on;
   * every other cell is always a string, number or date.
   */
  keepRawText(headers: Iterable<string>): void;
}

export interface RowSourceOptions {
  /** XLSX: the sheet to read; the first sheet otherwise. */
  sheet?: string;
  /**
   * Recognises the header row among the first rows, so a title line above the table is skipped.
   * When no row within `headerSearchRows` qualifies, the first non-empty row is taken as the header.
   */
  isHeaderRow?: (cells: string[]) => boolean;
  headerSearchRows?: number;
  /** Sees every byte of the file as it is read, in order (the import hashes the file in the same pass). */
  onBytes?: (chunk: Buffer) => void;
}

/** A file refused whole (not CSV/XLSX, empty, unreadable); carries a message key for the user. */
export class ImportFileError extends AppError {
  constructor(key: string, params: Record<string, string | number> = {}) {
    super(422, key, params);
    this.name = 'ImportFileError';
  }
}

const SNIFF_BYTES = 64 * 1024;
// One complaint's texts run to a few KB; a record past this means a stray quote swallowed the file.
// (Counted as text read ahead of the last record, so it allows for a few 1 MB chunks in flight.)
const MAX_CSV_RECORD_CHARS = 4_000_000;
const DEFAULT_HEADER_SEARCH_ROWS = 20;

type Sniffed =
  | { format: 'xlsx' }
  | { format: 'csv'; encoding: 'utf8' | 'utf16le'; delimiter: ',' | '\t'; newline: '\r\n' | '\n' };

/** Reads the header of an export and returns its data rows as a stream. */
export async function openRowSource(filePath: string, options: RowSourceOptions = {}): Promise<RowSource> {
  const sniffed = await sniffFile(filePath);
  const physical =
    sniffed.format === 'xlsx'
      ? readXlsxRecords(loadExcel(), filePath, options.sheet, options.onBytes)
      : readCsvRecords(filePath, sniffed, options.onBytes);
  try {
    return await withHeader(sniffed.format, physical, options);
  } catch (error) {
    physical.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Telling the formats apart by their first bytes, not by the file name (uploads get renamed).

async function sniffFile(filePath: string): Promise<Sniffed> {
  const handle = await fs.promises.open(filePath, 'r');
  let sample: Buffer;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    sample = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (sample.length === 0) throw new ImportFileError('import.error.emptyFile');
  if (sample[0] === 0x50 && sample[1] === 0x4b && sample[2] === 0x03 && sample[3] === 0x04)
    return { format: 'xlsx' };
  if (sample[0] === 0xd0 && sample[1] === 0xcf && sample[2] === 0x11 && sample[3] === 0xe0) {
    throw new ImportFileError('import.error.legacyXls');
  }
  let text: string;
  let encoding: 'utf8' | 'utf16le' = 'utf8';
  if (sample[0] === 0xff && sample[1] === 0xfe) {
    // Excel's "Unicode Text" export: UTF-16LE, tab-separated.
    encoding = 'utf16le';
    text = new TextDecoder('utf-16le').decode(sample.subarray(2));
  } else {
    try {
      // stream: true tolerates a character cut in half at the end of the sample.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(sample, { stream: true });
    } catch {
      throw new ImportFileError('import.error.unknownFormat');
    }
  }
  if (text.includes('\u0000')) throw new ImportFileError('import.error.unknownFormat');
  if (text.trim() === '' && sample.length < SNIFF_BYTES) throw new ImportFileError('import.error.emptyFile');
  const firstBreak = text.indexOf('\n');
  const newline = firstBreak > 0 && text[firstBreak - 1] === '\r' ? '\r\n' : '\n';
  return { format: 'csv', encoding, delimiter: guessDelimiter(text), newline };
}

/** Comma or tab: whichever the header (the first line holding either) uses more; text cells may hold both. */
function guessDelimiter(text: string): ',' | '\t' {
  for (const line of text.split('\n', 50)) {
    const commas = countOf(line, ',');
    const tabs = countOf(line, '\t');
    if (commas + tabs > 0) return tabs > commas ? '\t' : ',';
  }
  return ',';
}

function countOf(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Physical records: every row of the file, header included, as an array of cells.

interface PhysicalRecord {
  rowNumber: number;
  line?: number;
  values: (CellValue | RawText)[];
}

/** The file's records, a batch at a time (XLSX and UTF-16: one record a batch). */
interface RecordStream extends AsyncIterable<PhysicalRecord[]> {
  sheet?: string;
  close(): void;
  bytesRead(): number;
}

// The bytes parsed between two turns of the event loop.
const PARSE_BYTES = 1 << 16;
// Cells of this many bytes or more may stay bytes: only the long texts are (addresses, complaints, reports).
const RAW_TEXT_FROM_BYTES = 256;

function readCsvRecords(
  filePath: string,
  sniffed: Extract<Sniffed, { format: 'csv' }>,
  onBytes: ((chunk: Buffer) => void) | undefined,
): RecordStream {
  return sniffed.encoding === 'utf8'
    ? readUtf8CsvRecords(filePath, sniffed.delimiter, onBytes)
    : readUtf16CsvRecords(filePath, sniffed, onBytes);
}

/**
 * UTF-8 (nearly every export): split over the bytes (csv-bytes.ts), long cells kept as bytes, so the
 * texts that are most of an export are not decoded, then hashed and encoded again as strings.
 */
function readUtf8CsvRecords(
  filePath: string,
  delimiter: ',' | '\t',
  onBytes: ((chunk: Buffer) => void) | undefined,
): RecordStream {
  // Read a megabyte at a time, handed on 64 KB at a time: each read of a file stream costs about as
  // much as the next megabyte (208 MB: 327 ms of CPU in 64 KB reads, 72 ms in 1 MB reads).
  const file = fs.createReadStream(filePath, { highWaterMark: 1 << 20 });
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const read of file as AsyncIterable<Buffer>) {
      onBytes?.(read);
      for (let at = 0; at < read.length; at += PARSE_BYTES) {
        yield read.subarray(at, at + PARSE_BYTES);
        // A turn of the event loop after each 64 KB: parsing a megabyte is one long chain of
        // microtasks, and bytes already queued for the database's socket (MariaDB's LOAD DATA of the
        // chunk before) would wait behind it while the server sat idle. 100,000 rows: 9.6 s with 1 MB
        // and no turn, 7.9 s with a turn each 256 KB, 7.4 s each 64 KB (16 KB: 8.0 s).
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  async function* records(): AsyncGenerator<PhysicalRecord[]> {
    let line = 1;
    try {
      for await (const batch of csvRecords(chunks(), {
        delimiter: delimiter.charCodeAt(0),
        maxRecordBytes: MAX_CSV_RECORD_CHARS,
        rawFromBytes: RAW_TEXT_FROM_BYTES,
      })) {
        line = batch[batch.length - 1]!.line;
        yield batch;
      }
    } catch (error) {
      throw csvError(error, error instanceof CsvRecordTooLong ? error.line : line);
    }
  }
  return {
    [Symbol.asyncIterator]: records,
    close() {
      file.destroy();
    },
    bytesRead: () => file.bytesRead,
  };
}

/** Excel's "Unicode Text" (UTF-16LE): decoded, then parsed by papaparse. */
function readUtf16CsvRecords(
  filePath: string,
  sniffed: Extract<Sniffed, { format: 'csv' }>,
  onBytes: ((chunk: Buffer) => void) | undefined,
): RecordStream {
  const file = fs.createReadStream(filePath, { highWaterMark: 1 << 20 });
  // The decoder carries a Hindi character split by a chunk boundary over to the next chunk
  // (TextDecoder: a third faster than StringDecoder here; a BOM it drops is dropped below anyway).
  const decoder = new TextDecoder('utf-16le');
  let charsSinceRecord = 0;
  // papaparse has no record-size limit: a stray quote would swallow the rest of the file as one cell.
  const guard = new Transform({
    readableObjectMode: false,
    encoding: 'utf8',
    transform(chunk: Buffer, _encoding, callback) {
      onBytes?.(chunk);
      const text = decoder.decode(chunk, { stream: true });
      charsSinceRecord += text.length;
      if (charsSinceRecord > MAX_CSV_RECORD_CHARS) {
        callback(Object.assign(new Error('record too long'), { code: 'CSV_RECORD_TOO_LONG' }));
      } else callback(null, text);
    },
    flush(callback) {
      const rest = decoder.decode();
      callback(null, rest === '' ? undefined : rest);
    },
  });
  // papaparse: about 3.5 times faster than csv-parse on our Hindi exports, with the same records.
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, {
    delimiter: sniffed.delimiter,
    newline: sniffed.newline,
    quoteChar: '"',
    escapeChar: '"',
  }) as unknown as Duplex;
  pipeline(file, guard, parser, () => {
    // Errors surface through the parser's async iterator below.
  });

  async function* records(): AsyncGenerator<PhysicalRecord[]> {
    let rowNumber = 0;
    let line = 1;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        charsSinceRecord = 0;
        rowNumber++;
        const start = line;
        let breaks = 0;
        for (const cell of record) breaks += countLineBreaks(cell);
        line += 1 + breaks;
        if (rowNumber === 1 && record[0]?.charCodeAt(0) === 0xfeff) record[0] = record[0].slice(1);
        // Excel shows every blank line of a CSV as an empty row, and a multi-line cell as one row.
        if (record.length === 1 && record[0] === '') continue;
        yield [{ rowNumber, line: start, values: record }];
      }
    } catch (error) {
      throw csvError(error, line);
    }
  }

  return {
    [Symbol.asyncIterator]: records,
    close() {
      parser.destroy();
      guard.destroy();
      file.destroy();
    },
    bytesRead: () => file.bytesRead,
  };
}

function countLineBreaks(cell: string): number {
  let n = 0;
  for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) n++;
  return n;
}

function csvError(error: unknown, line: number): Error {
  if (error instanceof ImportFileError) return error;
  const code = (error as { code?: string }).code;
  if (code && code.startsWith('CSV_')) {
    return new ImportFileError('import.error.badCsv', { line, detail: code });
  }
  return error instanceof Error ? error : new Error(String(error));
}

type ExcelModule = typeof import('exceljs');
/**
 * exceljs, loaded when the first workbook is opened: it adds about 28 MB to every thread that imports
 * it, and a CSV import's reader thread needs none of it. Required (it is CommonJS), not import()ed:
 * the same module instance as elsewhere, and no await between opening the file and reading it.
 */
const loadExcel = (): ExcelModule => createRequire(import.meta.url)('exceljs') as ExcelModule;

// exceljs' streaming types omit what we need; these describe the parts we use.
interface XlsxCellObject {
  richText?: { text: string }[];
  text?: unknown;
  result?: unknown;
  error?: string;
  sharedString?: number;
}
interface XlsxRow {
  number: number;
  values: unknown[];
}
interface XlsxSheet extends AsyncIterable<XlsxRow> {
  name: string;
}
interface XlsxWorkbookReader extends AsyncIterable<XlsxSheet> {
  model?: { sheets?: { name: string }[] };
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
}

/**
 * exceljs 4.4 decodes each zip chunk on its own, so a Hindi character cut by a chunk boundary turns
 * into U+FFFD (exceljs issues #2084, #2316; fixes unmerged). We hand its XML parser text instead of
 * bytes: shared strings through setEncoding, worksheets through a decoder that carries partial
 * characters over. Both hooks are exceljs internals; the reader tests catch a change.
 */
function decodeXmlAsUtf8(workbook: XlsxWorkbookReader): void {
  const parseSharedStrings = workbook._parseSharedStrings;
  workbook._parseSharedStrings = function (entry) {
    entry.setEncoding('utf8');
    return parseSharedStrings.call(this, entry);
  };
  const parseWorksheet = workbook._parseWorksheet;
  workbook._parseWorksheet = function (iterator, sheetNo) {
    return parseWorksheet.call(this, utf8Chunks(iterator), sheetNo);
  };
}

async function* utf8Chunks(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

function readXlsxRecords(
  ExcelJS: ExcelModule,
  filePath: string,
  sheetName: string | undefined,
  onBytes: ((chunk: Buffer) => void) | undefined,
): RecordStream {
  const file = fs.createReadStream(filePath, { highWaterMark: 1 << 20 });
  let bytes: Readable = file;
  if (onBytes) {
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        onBytes(chunk);
        callback(null, chunk);
      },
    });
    pipeline(file, tap, () => {
      // A read error reaches exceljs through the tap, which pipeline destroys with it.
    });
    bytes = tap;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(bytes, {
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell date cells from numbers
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as XlsxWorkbookReader;
  decodeXmlAsUtf8(workbook);
  const stream: RecordStream = {
    async *[Symbol.asyncIterator]() {
      const seen: string[] = [];
      try {
        for await (const sheet of workbook) {
          seen.push(sheet.name);
          if (!isWantedSheet(sheet.name, sheetName, workbook, seen.length)) {
            // Read through, not skipped: a sheet stored before the shared strings is parsed from a temporary copy,
            // which exceljs deletes as soon as we ask for the next sheet; skipped, the copy could be deleted while
            // it was still being opened, and the stream's ENOENT went uncaught and ended the process.
            for await (const row of sheet) void row;
            continue;
          }
          stream.sheet = sheet.name;
          for await (const row of sheet) yield [{ rowNumber: row.number, values: xlsxRowValues(row) }];
          return;
        }
      } catch (error) {
        if (error instanceof ImportFileError) throw error;
        throw new ImportFileError('import.error.badXlsx', {
          detail: (error as Error).message ?? String(error),
        });
      }
      if (sheetName !== undefined) {
        throw new ImportFileError('import.error.sheetNotFound', {
          sheet: sheetName,
          sheets: seen.join(', '),
        });
      }
      throw new ImportFileError(seen.length === 0 ? 'import.error.badXlsx' : 'import.error.emptyFile', {
        detail: 'no worksheet',
      });
    },
    close() {
      if (bytes !== file) bytes.destroy();
      file.destroy();
    },
    bytesRead: () => file.bytesRead,
  };
  return stream;
}

function isWantedSheet(
  name: string,
  wanted: string | undefined,
  workbook: XlsxWorkbookReader,
  position: number,
) {
  if (wanted === undefined) {
    // The first tab as Excel shows it; zip order is only a fallback when the workbook part came late.
    const first = workbook.model?.sheets?.[0]?.name;
    return first === undefined ? position === 1 : name === first;
  }
  return name === wanted || matchKey(name) === matchKey(wanted);
}

function xlsxRowValues(row: XlsxRow): CellValue[] {
  const source = row.values; // 1-based and sparse
  const values: CellValue[] = new Array(Math.max(0, source.length - 1));
  for (let i = 1; i < source.length; i++) values[i - 1] = xlsxCellValue(source[i]);
  return values;
}

function xlsxCellValue(value: unknown): CellValue {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  const cell = value as XlsxCellObject;
  if (cell.richText) return cell.richText.map((part) => part.text).join('');
  if (cell.error !== undefined) return cell.error;
  if ('result' in cell) return xlsxCellValue(cell.result);
  if ('text' in cell) return xlsxCellValue(cell.text); // hyperlink
  return '';
}

// ---------------------------------------------------------------------------------------------------
// Finding the header and turning the remaining records into rows keyed by header.

async function withHeader(
  format: 'csv' | 'xlsx',
  physical: RecordStream,
  options: RowSourceOptions,
): Promise<RowSource> {
  const iterator = physical[Symbol.asyncIterator]();
  // Records of the batch in hand not yet looked at.
  let pending: PhysicalRecord[] = [];
  const nextRecord = async (): Promise<PhysicalRecord | undefined> => {
    while (pending.length === 0) {
      const next = await iterator.next();
      if (next.done) return undefined;
      pending = next.value;
    }
    return pending.shift();
  };
  const searchRows = options.isHeaderRow ? (options.headerSearchRows ?? DEFAULT_HEADER_SEARCH_ROWS) : 1;
  const looked: PhysicalRecord[] = [];
  let header: PhysicalRecord | undefined;
  while (looked.length < searchRows) {
    const record = await nextRecord();
    if (record === undefined) break;
    if (isEmptyRecord(record.values)) continue;
    looked.push(record);
    if (!options.isHeaderRow || options.isHeaderRow(record.values.map(cellText))) {
      header = record;
      break;
    }
  }
  if (looked.length === 0) throw new ImportFileError('import.error.emptyFile');
  // No row looked like a header: take the first one, so the "missing columns" message names them.
  let replay: PhysicalRecord[] = [];
  if (!header) {
    header = looked[0];
    replay = looked.slice(1);
  }
  replay.push(...pending);
  const headers = uniqueHeaders(header.values.map(cellText));

  const keepRaw = new Set<string>();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    physical.close();
  };
  const rowsOf = (records: PhysicalRecord[]): RawRow[] => {
    const out: RawRow[] = [];
    for (const record of records)
      if (!isEmptyRecord(record.values)) out.push(toRawRow(record, headers, keepRaw));
    return out;
  };
  async function* batches(): AsyncGenerator<RawRow[]> {
    try {
      if (replay.length > 0) yield rowsOf(replay);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const rows = rowsOf(next.value);
        if (rows.length > 0) yield rows;
      }
    } finally {
      close();
    }
  }
  async function* rows(): AsyncGenerator<RawRow> {
    for await (const batch of batches()) yield* batch;
  }
  return {
    format,
    headers,
    headerRowNumber: header.rowNumber,
    sheet: physical.sheet,
    rows: { [Symbol.asyncIterator]: rows },
    batches: { [Symbol.asyncIterator]: batches },
    close,
    bytesRead: () => physical.bytesRead(),
    keepRawText(names) {
      for (const name of names) keepRaw.add(name);
    },
  };
}

function toRawRow(record: PhysicalRecord, headers: string[], keepRaw: Set<string>): RawRow {
  const cells: Record<string, CellValue | RawText> = {};
  const values = record.values;
  const known = Math.min(values.length, headers.length);
  for (let i = 0; i < known; i++) {
    const value = values[i];
    if (value === '' || value === undefined) continue;
    const header = headers[i]!;
    cells[header] = value instanceof RawText && !keepRaw.has(header) ? value.toString() : value;
  }
  const row: RawRow = { rowNumber: record.rowNumber, cells };
  if (record.line !== undefined) row.line = record.line;
  for (let i = known; i < values.length; i++) {
    const value = values[i];
    if (value !== '' && value !== undefined) {
      (row.overflow ??= {})[columnName(i)] = textOf(value);
    }
  }
  return row;
}

function isEmptyRecord(values: (CellValue | RawText)[]): boolean {
  for (const value of values) {
    if (value === undefined || value === '') continue;
    const text = textOf(value);
    if (typeof text !== 'string' || text.trim() !== '') return false;
  }
  return true;
}

function cellText(value: CellValue | RawText | undefined): string {
  if (value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value).trim();
}

function uniqueHeaders(raw: string[]): string[] {
  const used = new Set<string>();
  return raw.map((text, i) => {
    let name = text === '' ? columnName(i) : text;
    if (used.has(name)) {
      let n = 2;
      while (used.has(`${name} (${n})`)) n++;
      name = `${name} (${n})`;
    }
    used.add(name);
    return name;
  });
}

/** "Column A", "Column AB": how a spreadsheet user finds a column without a header. */
export function columnName(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return `Column ${letters}`;
}
