// npm run bench:import -- [--rows N] [--engine sqlite|mysql|both] [--reader worker|inline] [--child dist|tsx]: import speed and peak memory beside each engine's own bulk path.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { parseArgs, promisify } from 'node:util';
import Database from 'better-sqlite3';
import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2/promise';
import Papa from 'papaparse';
import { parseDatabaseUrl, projectRoot } from '../server/config.js';
import { createDb, engineOf } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { AuditLog } from '../server/features/audit/audit-log.js';
import { columnForHeader, type ColumnKey } from '../server/features/complaints/import/columns.js';
import { ensureMasterData } from '../server/features/complaints/master-data.repository.js';
import { ImportService } from '../server/features/complaints/import.service.js';
import { tuneHeapForImport } from '../server/features/complaints/import.cli.js';
import { READ_IN_WORKER_BY_DEFAULT } from '../server/features/complaints/import/read-in-worker.js';
import { buildDist } from './bench-build.js';
import { processCpuMs } from './bench-lib.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    engine: { type: 'string', default: 'both' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'igrs-bench') },
    'mysql-url': {
      type: 'string',
      default: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/bench_import',
    },
    // Where the product's import reads the file: in a worker thread or in the importing one (readInWorker);
    // unset, the product's own default (compiled: a worker on SQLite, inline on MariaDB).
    reader: { type: 'string' },
    // Measured processes run the compiled dist/ with plain node, as production does; tsx's loader
    // (its own thread, and again in a reader worker) would be measured with them otherwise.
    child: { type: 'string', default: 'dist' },
    // A directory: the import phases write a V8 CPU profile there (node --cpu-prof).
    'cpu-prof': { type: 'string' },
    phase: { type: 'string' },
    file: { type: 'string' },
  },
});

const REFERENCE_TABLE = 'bench_reference';

function readInWorker(): boolean | undefined {
  if (values.reader === undefined) return undefined;
  if (values.reader !== 'worker' && values.reader !== 'inline') throw new Error('--reader worker|inline');
  return values.reader === 'worker';
}
const IMPORT_HEAP_MB = 128;
const SQLITE_BATCH = 10_000;

interface PhaseResult {
  seconds: number;
  rows: number;
  peakMb: number;
  /** CPU seconds the measured process used, all its threads together. */
  cpuS?: number;
  /** CPU seconds the database server used meanwhile (MariaDB on this machine; unset when not found). */
  serverCpuS?: number;
  detail?: Record<string, number | string>;
}

// ---------------------------------------------------------------------------------------------------
// Child phases: each measurement runs in its own process so its peak memory is its own.

function peakRssMb(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 1024 / 1024;
}

function openDb(engine: string): Knex {
  return engine === 'mysql'
    ? createDb(parseDatabaseUrl(values['mysql-url'], ''))
    : createDb({ client: 'sqlite', filename: sqliteFile() });
}

const dbName = () => new URL(values['mysql-url']!).pathname.slice(1);
const sqliteFile = () => path.join(values.dir!, 'bench.sqlite');

async function emptyComplaints(db: Knex): Promise<void> {
  const tables = [
    'import_batch_districts',
    'complaint_report_history',
    'complaints',
    'officers',
    'import_errors',
    'import_batches',
  ];
  if (engineOf(db) === 'mysql') {
    // TRUNCATE, not DELETE: a DELETE of the last run's rows leaves InnoDB's purge thread busy with them
    // for seconds into the timed import. TRUNCATE refuses a table other tables refer to, so their
    // checks are off on this one connection while it runs.
    await db.transaction(async (trx) => {
      await trx.raw('SET FOREIGN_KEY_CHECKS = 0');
      for (const table of tables) await trx.raw(`TRUNCATE TABLE \`${table}\``);
      await trx.raw('SET FOREIGN_KEY_CHECKS = 1');
    });
    return;
  }
  for (const table of tables) await db(table).del();
  // The deleted pages are copied back by the next checkpoint: now, not in the timed import.
  await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
}

async function phaseImport(engine: string, file: string): Promise<PhaseResult> {
  const db = openDb(engine);
  tuneHeapForImport(db); // as scripts/import.ts
  await emptyComplaints(db);
  const service = new ImportService({ db, audit: new AuditLog() });
  const started = process.hrtime.bigint();
  const summary = await service.importFile({
    filePath: file,
    fileName: path.basename(file),
    userId: null,
    readInWorker: readInWorker(),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await db.destroy();
  if (summary.status !== 'done')
    throw new Error(`import ${summary.status}: ${JSON.stringify(summary.message)}`);
  return {
    seconds,
    rows: summary.rowsRead,
    peakMb: peakRssMb(),
    detail: {
      inserted: summary.inserted,
      rejected: summary.rejected,
      reader: (readInWorker() ?? (READ_IN_WORKER_BY_DEFAULT && engine === 'sqlite')) ? 'worker' : 'inline',
    },
  };
}

async function phaseReimport(engine: string, file: string): Promise<PhaseResult> {
  const db = openDb(engine);
  tuneHeapForImport(db);
  const service = new ImportService({ db, audit: new AuditLog() });
  const started = process.hrtime.bigint();
  const summary = await service.importFile({
    filePath: file,
    fileName: path.basename(file),
    userId: null,
    readInWorker: readInWorker(),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await db.destroy();
  return { seconds, rows: summary.rowsRead, peakMb: peakRssMb(), detail: { unchanged: summary.unchanged } };
}

/** The file's columns as `complaints` columns (null for those the reference leaves out). */
function referenceColumns(headers: string[]): (ColumnKey | null)[] {
  return headers.map((h) => {
    const key = columnForHeader(h.replace(/^\ufeff/, ''));
    return key && !['district', 'department', 'officer_name', 'officer_designation'].includes(key)
      ? key
      : null;
  });
}

async function phaseSqliteReference(file: string): Promise<PhaseResult> {
  const raw = new Database(sqliteFile());
  // The app's own connection settings (server/db/knex.ts), foreign keys included.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.exec(`DROP TABLE IF EXISTS ${REFERENCE_TABLE}`);
  // The same shape as complaints: its own DDL and indexes under another name.
  const ddl = raw
    .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'complaints' AND sql IS NOT NULL")
    .all() as { sql: string }[];
  for (const { sql } of ddl) {
    raw.exec(
      sql
        .replace(/`complaints`|"complaints"|\bcomplaints\b/g, REFERENCE_TABLE)
        .replace(/(index\s+[`"]?)(complaints_)/i, `$1${REFERENCE_TABLE}_`),
    );
  }
  raw.pragma('wal_checkpoint(TRUNCATE)');
  const started = process.hrtime.bigint();
  let insert: Database.Statement | null = null;
  let columns: (ColumnKey | null)[] = [];
  let batch: unknown[][] = [];
  let rows = 0;
  const flush = raw.transaction((list: unknown[][]) => {
    for (const values of list) insert!.run(values);
  });
  const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
  const source = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: ',', newline: '\r\n' });
  pipeline(source, parser, () => undefined);
  let kept: number[] = [];
  for await (const record of parser as AsyncIterable<string[]>) {
    if (!insert) {
      columns = referenceColumns(record);
      kept = columns.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
      const names = [
        ...kept.map((i) => columns[i]!),
        'district_id',
        'department_id',
        'created_at',
        'updated_at',
      ];
      insert = raw.prepare(
        `INSERT INTO ${REFERENCE_TABLE} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
      );
      continue;
    }
    if (record.length === 1 && record[0] === '') continue;
    batch.push([...kept.map((i) => record[i] ?? null), 1, 1, now, now]);
    rows++;
    if (batch.length === SQLITE_BATCH) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  raw.exec(`DROP TABLE ${REFERENCE_TABLE}`);
  raw.close();
  return { seconds, rows, peakMb: peakRssMb() };
}

async function phaseMysqlReference(file: string): Promise<PhaseResult> {
  const conn = await mysql.createConnection({ uri: values['mysql-url']!, flags: ['+LOCAL_FILES'] });
  const [[setting]] = (await conn.query('SELECT @@local_infile AS on_')) as unknown as [[{ on_: number }]];
  if (!setting.on_) await conn.query('SET GLOBAL local_infile = 1');
  await conn.query(`DROP TABLE IF EXISTS ${REFERENCE_TABLE}`);
  await conn.query(`CREATE TABLE ${REFERENCE_TABLE} LIKE complaints`);
  const firstLine = await readFirstLine(file);
  const columns = referenceColumns(Papa.parse<string[]>(firstLine).data[0]!);
  const dates = new Set<ColumnKey>(['received_at', 'due_at', 'disposed_at']);
  const targets = columns.map((c, i) => (c === null ? `@skip${i}` : dates.has(c) ? `@${c}` : c));
  const setDates = [...dates]
    .filter((d) => columns.includes(d))
    .map((d) => `${d} = STR_TO_DATE(@${d}, '%d/%m/%Y %H:%i')`);
  const started = process.hrtime.bigint();
  const [result] = (await conn.query({
    sql:
      `LOAD DATA LOCAL INFILE 'bench.csv' INTO TABLE ${REFERENCE_TABLE} CHARACTER SET utf8mb4 ` +
      `FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\\r\\n' ` +
      `IGNORE 1 LINES (${targets.join(', ')}) SET district_id = 1, department_id = 1, ` +
      `created_at = NOW(3), updated_at = NOW(3)${setDates.length ? ', ' + setDates.join(', ') : ''}`,
    infileStreamFactory: () => fs.createReadStream(file),
  } as never)) as unknown as [{ affectedRows: number }];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await conn.query(`DROP TABLE ${REFERENCE_TABLE}`);
  await conn.end();
  return { seconds, rows: result.affectedRows, peakMb: peakRssMb() };
}

async function readFirstLine(file: string): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    return text
      .slice(0, text.indexOf('\n'))
      .replace(/\r$/, '')
      .replace(/^\ufeff/, '');
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// The parent: makes the file once, prepares each database, runs the phases and prints the table.

/** The local MariaDB/MySQL server's pid, to read its CPU time; undefined when it runs elsewhere. */
function databaseServerPid(): number | undefined {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      const pid = Number(execFileSync('pidof', ['-s', name], { encoding: 'utf8' }).trim());
      if (pid > 0) return pid;
    } catch {
      // not running under this name
    }
  }
  return undefined;
}

/**
 * Waits until the database server has used under 5% of a core for a second: the last phase's dirty
 * pages are flushed by background threads, which would otherwise be measured in the next phase.
 */
async function serverAtRest(pid: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const before = processCpuMs(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (processCpuMs(pid) - before < 50) return;
  }
}

async function runPhase(phase: string, engine: string, file: string): Promise<PhaseResult> {
  const serverPid = engine === 'mysql' ? databaseServerPid() : undefined;
  if (serverPid !== undefined) await serverAtRest(serverPid);
  const serverCpuBefore = serverPid === undefined ? 0 : processCpuMs(serverPid);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      // As `npm run import` runs: the import's live heap is well under 100 MB, but V8 left to itself
      // grows the heap with garbage long before collecting it (322 MB RSS at 100k rows uncapped).
      `--max-old-space-size=${IMPORT_HEAP_MB}`,
      ...(values['cpu-prof'] && phase !== 'reference'
        ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']]
        : []),
      ...(values.child === 'tsx'
        ? ['--import', 'tsx', process.argv[1]!]
        : [path.join(projectRoot, 'dist', 'scripts', 'bench-import.js')]),
      '--phase',
      phase,
      '--engine',
      engine,
      '--file',
      file,
      '--dir',
      values.dir!,
      '--mysql-url',
      values['mysql-url']!,
      ...(values.reader ? ['--reader', values.reader] : []),
    ],
    { maxBuffer: 1 << 20 },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as PhaseResult;
  if (serverPid !== undefined) result.serverCpuS = (processCpuMs(serverPid) - serverCpuBefore) / 1000;
  return result;
}

async function prepareDatabase(engine: string): Promise<void> {
  if (engine === 'mysql') {
    const server = new URL(values['mysql-url']!);
    server.pathname = '/';
    const admin = knexFactory({ client: 'mysql2', connection: { uri: server.toString() } as never });
    await admin.raw(
      `CREATE DATABASE IF NOT EXISTS \`${dbName()}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await admin.destroy();
  } else {
    // A fresh file: emptying the last run's million complaints with DELETE took minutes of writing.
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(sqliteFile() + suffix, { force: true });
  }
  const db = openDb(engine);
  await migrateLatest(db);
  await ensureMasterData(db);
  await db.destroy();
}

async function main(): Promise<void> {
  if (values.phase) {
    const file = values.file!;
    const engine = values.engine!;
    const result =
      values.phase === 'import'
        ? await phaseImport(engine, file)
        : values.phase === 'reimport'
          ? await phaseReimport(engine, file)
          : engine === 'mysql'
            ? await phaseMysqlReference(file)
            : await phaseSqliteReference(file);
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ ...result, cpuS: (cpu.user + cpu.system) / 1e6 }));
    return;
  }
  const rows = Number(values.rows);
  if (values.child !== 'tsx') {
    buildDist();
  }
  fs.mkdirSync(values.dir!, { recursive: true });
  const file = path.join(values.dir!, `igrs-export-${rows}.csv`);
  if (!fs.existsSync(file)) {
    console.log(`Writing ${rows.toLocaleString('en-IN')} rows to ${file} …`);
    // Imported here only: the writer loads exceljs, which the measured processes must not carry.
    const { writeSyntheticExport } = await import('../server/features/complaints/import/synthetic-export.js');
    await writeSyntheticExport(file + '.part', { rows, seed: 'bench', headers: 'hi', badShare: 0 });
    fs.renameSync(file + '.part', file);
  }
  const size = fs.statSync(file).size;
  console.log(`${file}: ${(size / 1024 ** 2).toFixed(0)} MB, ${(size / rows).toFixed(0)} bytes a row`);
  const engines = values.engine === 'both' ? ['sqlite', 'mysql'] : [values.engine!];
  const table: string[][] = [];
  const cpuTable: string[][] = [];
  for (const engine of engines) {
    await prepareDatabase(engine);
    const reference = await runPhase('reference', engine, file);
    const ours = await runPhase('import', engine, file);
    const again = await runPhase('reimport', engine, file);
    const refName = engine === 'mysql' ? 'LOAD DATA LOCAL INFILE' : 'better-sqlite3 prepared, 10k/tx';
    const rate = (r: PhaseResult) => r.rows / r.seconds;
    const target = engine === 'mysql' ? 0.8 : 0.7;
    table.push([
      (engine === 'mysql' ? 'MariaDB' : 'SQLite') +
        (ours.detail?.reader === 'worker' ? ' (reader in a worker)' : ' (inline reader)'),
      rows.toLocaleString('en-IN'),
      `${rate(ours).toFixed(0)}`,
      `${rate(reference).toFixed(0)} (${refName})`,
      `${(rate(ours) / rate(reference)).toFixed(2)} (target ≥ ${target})`,
      `${ours.peakMb.toFixed(0)} MB`,
      `${rate(again).toFixed(0)} (unchanged ${again.detail?.unchanged})`,
    ]);
    const engineName = engine === 'mysql' ? 'MariaDB' : 'SQLite';
    for (const [name, r] of [
      ['reference', reference],
      ['import', ours],
      ['re-import', again],
    ] as const) {
      const server = r.serverCpuS === undefined ? '—' : r.serverCpuS.toFixed(1);
      cpuTable.push([engineName, name, r.seconds.toFixed(1), r.cpuS?.toFixed(1) ?? '—', server]);
    }
    console.log(
      `${engine}: import ${ours.seconds.toFixed(1)} s, reference ${reference.seconds.toFixed(1)} s, re-import ${again.seconds.toFixed(1)} s`,
    );
  }
  const head = [
    'engine',
    'rows',
    'import rows/s',
    'reference rows/s',
    'ratio',
    'import peak RSS',
    're-import rows/s',
  ];
  const lines = [head, head.map(() => '---'), ...table].map((cells) => `| ${cells.join(' | ')} |`);
  console.log('\n' + lines.join('\n'));
  // Where the time goes: the measured process's CPU (all threads) and the database server's, beside the wall clock.
  const cpuHead = ['engine', 'phase', 'wall s', 'process CPU s', 'database server CPU s'];
  const cpuLines = [cpuHead, cpuHead.map(() => '---'), ...cpuTable].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );
  console.log('\n' + cpuLines.join('\n'));
  console.log(
    `\nMachine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

await main();
