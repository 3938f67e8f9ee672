// Packs a chunk of prepared rows into one string for the trip between threads, and back.
import { RawText, textOf } from './raw-text.js';
import type { PreparedRow } from './read-export.js';

// A structured clone copies each of a chunk's ~50,000 strings and objects one by one, on both threads
// (about 30 µs a row); one joined string crosses as a single copy and splits into slices of it.
const FIELD = '\u0000';
const NULL = '\u0001';

/** The columns of a prepared row, in packing order; ids are numbers, the rest text or null. */
const TEXT_COLUMNS = [
  'reference_no',
  'source',
  'received_at',
  'due_at',
  'disposed_at',
  'complainant_name',
  'mobile',
  'address',
  'tehsil',
  'block',
  'thana',
  'subject',
  'complaint_text',
  'disposal_report',
  'status',
  'extra',
  'content_hash',
] as const;
const NUMBER_COLUMNS = ['district_id', 'department_id', 'import_batch_id'] as const;
const PER_ROW = TEXT_COLUMNS.length + NUMBER_COLUMNS.length + 2; // + officer name, designation

/** The rows as one string, or null when a value holds one of the marker characters (then send them as they are). */
export function packRows(rows: PreparedRow[]): string | null {
  const parts = new Array<string>(rows.length * PER_ROW);
  let i = 0;
  for (const row of rows) {
    const w = row.write;
    if (w.officer_id !== null || w.redisposed !== false) return null;
    for (const c of TEXT_COLUMNS) {
      // Bytes are decoded here, in the reading thread: a string crosses to the writer in the one copy.
      const v = textOf(w[c]);
      if (v === null || v === undefined) parts[i++] = NULL;
      else if (typeof v !== 'string' || !plain(v)) return null;
      else parts[i++] = v;
    }
    for (const c of NUMBER_COLUMNS) parts[i++] = String(w[c]);
    const o = row.officer;
    if (o === null) {
      parts[i++] = NULL;
      parts[i++] = NULL;
    } else {
      // The officer is the row's district and department's (prepare() makes it so); only names travel.
      if (o.district_id !== w.district_id || o.department_id !== w.department_id) return null;
      if (!plain(o.name) || !plain(o.designation)) return null;
      parts[i++] = o.name;
      parts[i++] = o.designation;
    }
  }
  return parts.join(FIELD);
}

export function unpackRows(packed: string): PreparedRow[] {
  const parts = packed.split(FIELD);
  const rows: PreparedRow[] = [];
  for (let i = 0; i + PER_ROW <= parts.length;) {
    const text = (): string | null => {
      const v = parts[i++]!;
      return v === NULL ? null : v;
    };
    const reference_no = text()!;
    const write = {
      reference_no,
      source: text(),
      received_at: text(),
      due_at: text(),
      disposed_at: text(),
      complainant_name: text(),
      mobile: text(),
      address: text(),
      district_id: 0,
      tehsil: text(),
      block: text(),
      thana: text(),
      department_id: 0,
      officer_id: null,
      subject: text(),
      complaint_text: text(),
      disposal_report: text(),
      status: text(),
      redisposed: false,
      extra: text(),
      content_hash: text()!,
      import_batch_id: 0,
    };
    write.district_id = Number(parts[i++]);
    write.department_id = Number(parts[i++]);
    write.import_batch_id = Number(parts[i++]);
    const name = text();
    const designation = text();
    rows.push({
      reference: reference_no,
      hash: write.content_hash,
      write,
      officer:
        name === null
          ? null
          : {
              district_id: write.district_id,
              department_id: write.department_id,
              name,
              designation: designation!,
            },
    });
  }
  return rows;
}

const plain = (text: string) => !text.includes(FIELD) && !text.includes(NULL);

/** Turns the rows' texts kept as bytes into strings, for a structured clone (which keeps no classes). */
export function decodeRawTexts(rows: PreparedRow[]): PreparedRow[] {
  for (const row of rows) {
    const w = row.write;
    for (const c in w) {
      const v = w[c];
      if (v instanceof RawText) w[c] = v.toString();
    }
  }
  return rows;
}
