// Builders for import tests: export rows with sensible defaults, and small CSV/XLSX files in a temp folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import {
  columnSpec,
  COLUMNS,
  mapHeaders,
  type ColumnKey,
} from '../../../../../server/features/complaints/import/columns.js';
import type { CellValue } from '../../../../../server/features/complaints/import/normalise.js';
import type { RawRow } from '../../../../../server/features/complaints/import/row-reader.js';

/** A valid row of an export, by canonical column; override what a test is about. */
export function anExportRow(
  overrides: Partial<Record<ColumnKey, CellValue>> = {},
): Record<ColumnKey, CellValue> {
  return {
    reference_no: '40018725012345',
    source: 'मुख्यमंत्री हेल्पलाइन 1076',
    received_at: '01/10/2025 10:15',
    due_at: '31/10/2025',
    disposed_at: '20/10/2025 16:40',
    complainant_name: 'राम प्रकाश यादव',
    mobile: '+91 70000 12345',
    address: 'ग्राम बिठूर, तहसील सदर, जनपद कानपुर नगर',
    district: 'कानपुर नगर',
    tehsil: 'सदर',
    block: 'कल्याणपुर',
    thana: 'कल्याणपुर',
    department: 'राजस्व विभाग',
    officer_name: 'सुरेश कुमार',
    officer_designation: 'तहसीलदार',
    subject: 'भूमि पर अवैध कब्जा',
    complaint_text: 'प्रार्थी की भूमि पर पड़ोसी द्वारा अवैध कब्जा कर लिया गया है।',
    disposal_report: 'स्थलीय निरीक्षण कर कब्जा हटवा दिया गया।\nशिकायतकर्ता संतुष्ट है।',
    status: 'निस्तारित',
    ...overrides,
  };
}

/** English export headers in canonical order. */
export const EN_HEADERS: string[] = COLUMNS.map((c) => c.labelEn);
export const EN_MAPPING = mapHeaders(EN_HEADERS);

/** A raw row as the reader yields it, keyed by English headers; undefined values are left out. */
export function aRawRow(
  overrides: Partial<Record<ColumnKey, CellValue | undefined>> = {},
  rowNumber = 2,
  extra: Record<string, CellValue> = {},
): RawRow {
  const values = { ...anExportRow(), ...overrides };
  const cells: Record<string, CellValue> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') cells[columnSpec(key as ColumnKey).labelEn] = value;
  }
  return { rowNumber, cells: { ...cells, ...extra } };
}

let folder: string | undefined;
let files = 0;
/**
 * A file in this run's temp folder, in a subfolder of its own: several test files use the same names,
 * and an import still running in the background must never see its file replaced.
 */
export function tempPath(name: string): string {
  folder ??= fs.mkdtempSync(path.join(os.tmpdir(), 'igrs-import-test-'));
  const own = path.join(folder, String(++files));
  fs.mkdirSync(own);
  return path.join(own, name);
}

export function writeTemp(name: string, content: string | Buffer): string {
  const file = tempPath(name);
  fs.writeFileSync(file, content);
  return file;
}

/** A CSV line from cells, quoting what needs it. */
export function csvLine(cells: readonly string[], delimiter = ','): string {
  return cells.map((c) => (/[",\t\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(delimiter);
}

/** Writes an XLSX with the given sheets (rows of cell values) via exceljs' ordinary writer. */
export async function writeXlsx(
  name: string,
  sheets: { name: string; rows: unknown[][]; dateFormat?: string }[],
): Promise<string> {
  const file = tempPath(name);
  const workbook = new ExcelJS.Workbook();
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name);
    for (const values of spec.rows) {
      const row = sheet.addRow(values);
      values.forEach((v, i) => {
        if (v instanceof Date) row.getCell(i + 1).numFmt = spec.dateFormat ?? 'dd/mm/yyyy hh:mm';
      });
    }
  }
  await workbook.xlsx.writeFile(file);
  return file;
}
