// Tells the user what went wrong in an import: messages in their language, the errors as CSV, the CLI's report.
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Knex } from 'knex';
import { t, type Lang } from '../../shared/i18n.js';
import type { ImportErrorRow } from './import.repository.js';
import type { ImportSummary } from './import.service.js';

export interface ShownError {
  row: number;
  column: string;
  message: string;
  warning: boolean;
}

export function showError(lang: Lang, e: ImportErrorRow): ShownError {
  let params: Record<string, unknown> = {};
  try {
    params = e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : {};
  } catch {
    params = { detail: e.detail };
  }
  return {
    row: e.row_number,
    column: e.column_name ?? '',
    message: t(lang, e.reason_key, params),
    warning: e.reason_key.startsWith('import.warning.'),
  };
}

/** The messages of a refused or failed import. */
export function summaryMessage(lang: Lang, summary: Pick<ImportSummary, 'message'>): string | undefined {
  return summary.message ? t(lang, summary.message.key, summary.message.params) : undefined;
}

/** Streams a batch's errors as CSV (with a BOM, so Excel reads the Hindi), a page of rows at a time. */
export async function writeErrorsCsv(db: Knex, batchId: number, lang: Lang, out: Writable): Promise<void> {
  const csv = stringify({
    bom: true,
    header: true,
    columns: [t(lang, 'import.errors.row'), t(lang, 'import.errors.column'), t(lang, 'import.errors.reason')],
  });
  csv.pipe(out);
  const page = 5000;
  for (let lastId = 0; ;) {
    const rows = (await db('import_errors')
      .where({ batch_id: batchId })
      .andWhere('id', '>', lastId)
      .orderBy('id')
      .limit(page)
      .select('id', 'batch_id', 'row_number', 'column_name', 'reason_key', 'detail')) as (ImportErrorRow & {
      id: number;
    })[];
    for (const r of rows) {
      const shown = showError(lang, r);
      if (!csv.write([shown.row, shown.column, shown.message])) {
        await new Promise((resolve) => csv.once('drain', resolve));
      }
    }
    if (rows.length < page) break;
    lastId = rows[rows.length - 1]!.id;
  }
  csv.end();
  await new Promise<void>((resolve, reject) => {
    out.once('finish', () => resolve());
    out.once('close', () => resolve());
    out.once('error', reject);
  });
}
