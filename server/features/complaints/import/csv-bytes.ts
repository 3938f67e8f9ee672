// Splits a UTF-8 CSV into records over its bytes: short cells become strings, long ones stay bytes (RawText).
import { isUtf8 } from 'node:buffer';
import { RawText } from './raw-text.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvBytesOptions {
  /** The field separator's byte: a comma or a tab. */
  delimiter: number;
  /** A record still open after this many bytes means a stray quote swallowed the file. */
  maxRecordBytes: number;
  /** Cells of at least this many bytes are kept as bytes (when valid UTF-8); shorter ones are decoded. */
  rawFromBytes: number;
}

export interface CsvRecord {
  /** 1-based count of records, blank lines included (Excel shows each as a row). */
  rowNumber: number;
  /** The text line the record starts on. */
  line: number;
  values: (string | RawText)[];
}

/** Thrown when a record outgrows maxRecordBytes; its code is what the row reader reports. */
export class CsvRecordTooLong extends Error {
  readonly code = 'CSV_RECORD_TOO_LONG';
  /** The text line the record that never ended starts on. */
  constructor(readonly line: number) {
    super('record too long');
  }
}

/**
 * The records of a CSV as its chunks arrive, a chunk's worth at a time. RFC 4180 quoting (a quote in
 * a quoted cell is doubled; line breaks inside quotes belong to the cell); records end at LF or CRLF;
 * a leading UTF-8 BOM is dropped. A quote that neither doubles nor ends the cell (it is not followed by
 * a delimiter or a line end) is kept as text; a quote never closed runs to the end of the file.
 */
export async function* csvRecords(
  chunks: AsyncIterable<Buffer>,
  options: CsvBytesOptions,
): AsyncGenerator<CsvRecord[]> {
  const parser = new RecordParser(options);
  let carry: Buffer | null = null;
  let first = true;
  for await (const chunk of chunks) {
    let buffer: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
    if (first) {
      if (buffer.length < 3) {
        carry = buffer; // too short yet to tell a BOM
        continue;
      }
      first = false;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) buffer = buffer.subarray(3);
    }
    const { records, rest } = parser.parse(buffer, false);
    if (rest.length > options.maxRecordBytes) throw new CsvRecordTooLong(parser.nextLine);
    carry = rest.length > 0 ? rest : null;
    if (records.length > 0) yield records;
  }
  if (carry !== null) {
    const { records } = parser.parse(carry, true);
    if (records.length > 0) yield records;
  }
}

class RecordParser {
  private rowNumber = 0;
  private line = 1;

  /** The line the next record starts on. */
  get nextLine(): number {
    return this.line;
  }
  private readonly delimiter: number;
  private readonly rawFrom: number;

  constructor(options: CsvBytesOptions) {
    this.delimiter = options.delimiter;
    this.rawFrom = options.rawFromBytes;
  }

  /** The whole records in the buffer, and the bytes of the one left open (none when `final`). */
  parse(buffer: Buffer, final: boolean): { records: CsvRecord[]; rest: Buffer } {
    const records: CsvRecord[] = [];
    let start = 0;
    while (start < buffer.length) {
      const record = this.record(buffer, start, final);
      if (record === null) break;
      this.rowNumber++;
      const values = record.values;
      // A blank line: counted as a row, not read as one.
      if (!(values.length === 1 && values[0] === '')) {
        records.push({ rowNumber: this.rowNumber, line: this.line, values });
      }
      this.line += 1 + record.breaks;
      start = record.next;
    }
    return { records, rest: buffer.subarray(start) };
  }

  /** One record from `start`, or null when it runs past the buffer's end (and more may come). */
  private record(
    buffer: Buffer,
    start: number,
    final: boolean,
  ): { values: (string | RawText)[]; next: number; breaks: number } | null {
    const { delimiter } = this;
    const length = buffer.length;
    const values: (string | RawText)[] = [];
    let breaks = 0;
    let p = start;
    for (;;) {
      let end: number; // where the cell's content ends
      let after: number; // the byte after the cell (a delimiter, a line end, or the buffer's end)
      if (buffer[p] === QUOTE) {
        let q = p + 1;
        let doubled = false;
        for (;;) {
          const at = buffer.indexOf(QUOTE, q);
          if (at === -1) {
            if (!final) return null;
            end = after = length; // never closed: the rest of the file
            break;
          }
          if (at + 1 === length || (at + 2 === length && buffer[at + 1] === CR)) {
            if (!final) return null;
          }
          const next = buffer[at + 1];
          if (next === QUOTE) {
            doubled = true;
            q = at + 2;
            continue;
          }
          if (
            at + 1 === length ||
            next === delimiter ||
            next === LF ||
            (next === CR && (at + 2 === length || buffer[at + 2] === LF))
          ) {
            end = at;
            after = at + 1;
            break;
          }
          q = at + 1; // a stray quote inside the cell: text
        }
        for (let i = buffer.indexOf(LF, p + 1); i !== -1 && i < end; i = buffer.indexOf(LF, i + 1)) breaks++;
        values.push(this.value(buffer, p + 1, end, doubled));
        if (after < length && buffer[after] === CR) after++;
      } else {
        let i = p;
        while (i < length) {
          const c = buffer[i];
          if (c === delimiter || c === LF) break;
          i++;
        }
        if (i === length && !final) return null;
        end = i;
        if (end > p && buffer[end - 1] === CR && (i === length || buffer[i] === LF)) end--; // CRLF
        values.push(this.value(buffer, p, end, false));
        after = i;
      }
      if (after >= length) return { values, next: length, breaks };
      if (buffer[after] === delimiter) {
        p = after + 1;
        if (p === length && !final) return null;
        if (p === length) {
          values.push('');
          return { values, next: length, breaks };
        }
        continue;
      }
      // LF (a CR before it was stepped over above)
      return { values, next: after + 1, breaks };
    }
  }

  private value(buffer: Buffer, start: number, end: number, doubled: boolean): string | RawText {
    if (end <= start) return '';
    if (end - start >= this.rawFrom) {
      const bytes = doubled ? undouble(buffer.subarray(start, end)) : buffer.subarray(start, end);
      // Invalid UTF-8 is decoded (each bad sequence becomes U+FFFD), as a text decoder would.
      if (isUtf8(bytes)) return new RawText(bytes);
      return bytes.toString('utf8');
    }
    // utf8Slice: what toString('utf8', start, end) calls after checking its arguments, which these are.
    const text = (buffer as unknown as Utf8Sliceable).utf8Slice(start, end);
    return doubled ? text.replaceAll('""', '"') : text;
  }
}

interface Utf8Sliceable {
  utf8Slice(start: number, end: number): string;
}

/** The cell's bytes with each doubled quote made single (a copy). */
function undouble(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  let from = 0;
  for (let at = bytes.indexOf(QUOTE); at !== -1; at = bytes.indexOf(QUOTE, at + 2)) {
    o += bytes.copy(out, o, from, at + 1);
    from = at + (bytes[at + 1] === QUOTE ? 2 : 1);
    if (bytes[at + 1] !== QUOTE) at--; // a single stray quote: step one byte, not two
  }
  o += bytes.copy(out, o, from);
  return out.subarray(0, o);
}
