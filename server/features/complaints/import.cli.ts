// The import command: `npm run import -- FILE [--sheet NAME] [--dry-run] [--lang en]`, printing the summary and each bad row.
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import type { Knex } from 'knex';
import { engineOf } from '../../db/knex.js';
import type { AppDeps } from '../../deps.js';
import { isLang, t, type Lang } from '../../shared/i18n.js';
import { listImportErrors } from './import.repository.js';
import { showError, summaryMessage } from './import-report.js';
import { ImportService, type ImportSummary } from './import.service.js';

const PRINTED_ERRORS = 200;

/**
 * For the import's own process (`npm run import`), before it starts. The command runs under a 128 MB
 * heap cap (package.json), which keeps its memory flat; but under a cap that small V8 lets the old
 * generation grow by only about 1.3× what was live before it marks again. On MariaDB, where reading,
 * validating and writing all run in this one thread, marking then ran back to back: about 55 full
 * collections per 100,000 rows, some 20% of the CPU. Growing by 3× makes them 17, for about 25 MB
 * more heap (README, Import benchmark). The flag is read at every collection, so it applies from here
 * on; it is process-wide, which is why SQLite keeps V8's default: its import reads in a worker thread,
 * whose heap shares the memory budget and would grow alike.
 */
export function tuneHeapForImport(db: Knex): void {
  if (engineOf(db) === 'mysql') v8.setFlagsFromString('--heap-growing-percent=200');
}

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs one import; the exit code is 0 when the file was imported (bad rows included), 1 when refused, 2 on usage. */
export async function runImportCommand(
  deps: Pick<AppDeps, 'db' | 'clock' | 'audit'>,
  argv: string[],
  io: CliOutput = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<{ code: number; summary?: ImportSummary }> {
  let values: { sheet?: string; 'dry-run'?: boolean; lang?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { sheet: { type: 'string' }, 'dry-run': { type: 'boolean' }, lang: { type: 'string' } },
    }));
  } catch (error) {
    io.err((error as Error).message);
    positionals = [];
    values = {};
  }
  if (positionals.length !== 1) {
    io.err('usage: npm run import -- FILE [--sheet NAME] [--dry-run] [--lang hi|en]');
    return { code: 2 };
  }
  const lang: Lang = isLang(values.lang) ? values.lang : 'hi';
  const file = positionals[0]!;
  const service = new ImportService(deps);
  const summary = await service.importFile({
    filePath: path.resolve(file),
    fileName: path.basename(file),
    userId: null,
    sheet: values.sheet,
    dryRun: values['dry-run'] ?? false,
  });
  const errors = await listImportErrors(deps.db, summary.batchId, PRINTED_ERRORS);
  for (const e of errors) {
    const shown = showError(lang, e);
    io.err(`${shown.warning ? '!' : '✗'} ${shown.row}\t${shown.column}\t${shown.message}`);
  }
  const problems = summary.rejected + summary.warnings;
  if (problems > errors.length)
    io.err(`… ${t(lang, 'import.errors.more', { shown: errors.length, total: problems })}`);
  const message = summaryMessage(lang, summary);
  if (summary.status !== 'done') {
    io.err(`${t(lang, `import.status.${summary.status}`)}: ${message ?? ''}`);
    return { code: 1, summary };
  }
  io.out(
    (summary.dryRun ? `[${t(lang, 'import.col.dryRun')}] ` : '') +
      t(lang, 'import.cli.summary', {
        read: summary.rowsRead,
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: summary.rejected,
        batch: summary.batchId,
      }),
  );
  return { code: 0, summary };
}
