// The importer against a real database: quirks reaching the rows, bad rows reported, refusals, re-imports, re-disposals.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Knex } from 'knex';
import { AuditLog } from '../../../server/features/audit/audit-log.js';
import { COLUMNS, type ColumnKey } from '../../../server/features/complaints/import/columns.js';
import type { CellValue } from '../../../server/features/complaints/import/normalise.js';
import { HASHED_COLUMNS } from '../../../server/features/complaints/import/read-export.js';
import { writeSyntheticExport } from '../../../server/features/complaints/import/synthetic-export.js';
import { DESIGNATION_NOT_GIVEN, ImportService } from '../../../server/features/complaints/import.service.js';
import {
  bulkLoadComplaints,
  findExistingComplaints,
  insertNewComplaints,
} from '../../../server/features/complaints/import.repository.js';
import { engineOf } from '../../../server/db/knex.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { useTestDb } from '../../helpers/db.js';
import {
  anExportRow,
  csvLine,
  tempPath,
  writeTemp,
  writeXlsx,
} from '../../unit/features/complaints/import/export-builders.js';

const EN = COLUMNS.map((c) => c.labelEn);
const HI = COLUMNS.map((c) => c.labelHi);

function csvOf(
  rows: Partial<Record<ColumnKey, CellValue>>[],
  opts: { headers?: string[]; eol?: string; bom?: boolean; delimiter?: string } = {},
) {
  const headers = opts.headers ?? EN;
  const eol = opts.eol ?? '\n';
  const lines = [csvLine(headers, opts.delimiter)];
  for (const r of rows) {
    const row = anExportRow(r);
    lines.push(
      csvLine(
        COLUMNS.map((c) => String(row[c.key] ?? '')),
        opts.delimiter,
      ),
    );
  }
  return (opts.bom ? '\ufeff' : '') + lines.join(eol) + eol;
}

let fileNo = 0;
const fileOf = (content: string | Buffer, ext = 'csv') => writeTemp(`f${++fileNo}.${ext}`, content);

describe('complaints import (database)', () => {
  const t = useTestDb();
  const clock = fixedClock('2026-11-20T06:00:00Z');
  const service = () => new ImportService({ db: t.db, clock, audit: new AuditLog(clock) });
  const run = (
    file: string,
    extra: { dryRun?: boolean; sheet?: string; readInWorker?: boolean; chunkRows?: number } = {},
  ) => service().importFile({ filePath: file, fileName: 'export.csv', userId: null, ...extra });
  const complaint = (db: Knex, ref: string) => db('complaints').where({ reference_no: ref }).first();

  it('brings every format quirk into the rows: BOM, CRLF, quoted newlines and quotes, Hindi digits, +91 mobiles, Hindi headers', async () => {
    const file = fileOf(
      csvOf(
        [
          {
            reference_no: '४००१८७२५०१२३४५',
            mobile: '+91 98765-43210',
            disposed_at: '२०/१०/२०२५ १६:४०',
            complaint_text: 'पहली पंक्ति\r\nदूसरी "उद्धरण" पंक्ति, अल्पविराम',
            district: 'जनपद कानपुर नगर',
            department: 'Revenue Dept.',
          },
          {
            reference_no: '40018725012346',
            mobile: '09876543211',
            disposed_at: '2025-10-21',
            received_at: '01-10-2025 10:15',
            // What a bulk loader's text format reads specially: backslashes, tabs, \\N.
            complaint_text: 'बैकस्लैश \\ और\tटैब, \\N और \\0',
          },
        ],
        { headers: HI, eol: '\r\n', bom: true },
      ),
    );
    const s = await run(file);
    expect(s).to.include({ status: 'done', rowsRead: 2, inserted: 2, rejected: 0 });
    const a = await complaint(t.db, '40018725012345');
    expect(a.mobile).to.equal('+919876543210');
    expect(a.complaint_text).to.equal('पहली पंक्ति\nदूसरी "उद्धरण" पंक्ति, अल्पविराम');
    expect(a.disposed_at).to.equal('2025-10-20 11:10:00.000'); // 16:40 IST
    const kanpur = await t.db('districts').where({ code: 'kanpur-nagar' }).first();
    const revenue = await t.db('departments').where({ code: 'revenue' }).first();
    expect(a.district_id).to.equal(kanpur.id);
    expect(a.department_id).to.equal(revenue.id);
    const officer = await t.db('officers').where({ id: a.officer_id }).first();
    expect(officer).to.include({ name: 'सुरेश कुमार', designation: 'तहसीलदार' });
    const b = await complaint(t.db, '40018725012346');
    expect(b.mobile).to.equal('+919876543211');
    expect(b.received_at).to.equal('2025-10-01 04:45:00.000');
    expect(b.complaint_text).to.equal('बैकस्लैश \\ और\tटैब, \\N और \\0');
  });

  it('reads tab-separated files and XLSX with Excel dates, keeping unknown columns as extra data', async () => {
    const tsv = fileOf(csvOf([{ reference_no: 'A-1/2025' }], { delimiter: '\t' }));
    expect(await run(tsv)).to.include({ inserted: 1, rejected: 0 });
    const xlsx = await writeXlsx(`x${++fileNo}.xlsx`, [
      { name: 'Other', rows: [['nothing']] },
      {
        name: 'Complaints',
        rows: [
          [...EN, 'फीडबैक स्थिति'],
          [
            40018725099999,
            'IGRS',
            new Date(Date.UTC(2025, 9, 1, 10, 15)),
            null,
            new Date(Date.UTC(2025, 9, 20, 16, 40)),
            'राम',
            9876543210,
            'पता',
            'Kanpur Nagar',
            null,
            null,
            null,
            'राजस्व',
            null,
            null,
            'विषय',
            'विवरण',
            'आख्या',
            'Disposed',
            'संतुष्ट',
          ],
        ],
      },
    ]);
    const s = await run(xlsx, { sheet: 'complaints' });
    expect(s).to.include({ status: 'done', inserted: 1, rejected: 0 });
    const c = await complaint(t.db, '40018725099999');
    expect(c.disposed_at).to.equal('2025-10-20 11:10:00.000');
    expect(JSON.parse(c.extra)).to.deep.equal({ 'फीडबैक स्थिति': 'संतुष्ट' });
    expect(c.officer_id).to.equal(null);
  });

  it('lands good rows and reports each bad row with its row, column and reason', async () => {
    const file = fileOf(
      csvOf([
        { reference_no: '1001' },
        { reference_no: '1002', disposed_at: '31/02/2025' },
        { reference_no: '1003', department: 'Ministry of Magic' },
        { reference_no: '1004', district: 'Gotham' },
        { reference_no: '1001' },
        { reference_no: '1005', mobile: '0512 2345678' },
        { reference_no: '1006', mobile: '' },
        { reference_no: '1007', officer_designation: '' },
      ]),
    );
    const s = await run(file);
    expect(s).to.include({ rowsRead: 8, inserted: 4, rejected: 4, warnings: 2 });
    const errors = await t.db('import_errors').where({ batch_id: s.batchId }).orderBy('row_number');
    const brief = errors.map((e) => [e.row_number, e.column_name, e.reason_key]);
    expect(brief).to.deep.include.members([
      [3, 'Disposal Date', 'import.error.badDate'],
      [4, 'Department', 'import.error.unknownDepartment'],
      [5, 'District', 'import.error.unknownDistrict'],
      [6, 'Reference No', 'import.error.duplicateReference'],
      [7, 'Mobile No', 'import.warning.notMobile'],
      [8, 'Mobile No', 'import.warning.missingMobile'],
    ]);
    expect((await complaint(t.db, '1005')).mobile).to.equal(null);
    const refs = (await t.db('complaints').orderBy('reference_no').pluck('reference_no')) as string[];
    expect(refs).to.deep.equal(['1001', '1005', '1006', '1007']);
    const officer = await t
      .db('officers')
      .where({ id: (await complaint(t.db, '1007')).officer_id })
      .first();
    expect(officer.designation).to.equal(DESIGNATION_NOT_GIVEN);
    const batch = await t.db('import_batches').where({ id: s.batchId }).first();
    expect(batch).to.include({ status: 'done', rows_read: 8, rows_inserted: 4, rows_rejected: 4 });
    const audit = await t.db('audit_log').where({ action: 'import.completed' });
    expect(audit).to.have.length(1);
    expect(JSON.parse(audit[0].after_state)).to.include({ inserted: 4, rejected: 4 });
  });

  for (const [name, content, key] of [
    ['a PDF', Buffer.from('%PDF-1.4\n\u0000\u0001binary'), 'import.error.unknownFormat'],
    ['an empty file', Buffer.alloc(0), 'import.error.emptyFile'],
    [
      'a file without the mobile column',
      csvLine(EN.filter((h) => h !== 'Mobile No')) + '\n1,2,3\n',
      'import.error.missingColumns',
    ],
  ] as const) {
    it(`refuses ${name} whole and writes no complaint`, async () => {
      const s = await run(fileOf(content));
      expect(s.status).to.equal('refused');
      expect(s.message!.key).to.equal(key);
      expect(await t.db('complaints').count({ n: '*' }).first()).to.satisfy(
        (r: { n: number | string }) => Number(r.n) === 0,
      );
      const batch = await t.db('import_batches').where({ id: s.batchId }).first();
      expect(batch.status).to.equal('refused');
      if (key === 'import.error.missingColumns') expect(s.message!.params.columns).to.contain('Mobile No');
    });
  }

  it('refuses a CSV whose quote is never closed instead of reading the rest of it as one cell', async () => {
    const lines = [csvLine(EN), '9001,"never closed'];
    for (let i = 0; i < 300_000; i++) lines.push(`${9100 + i},IGRS,text text text text text text`);
    const s = await run(fileOf(lines.join('\n')));
    expect(s.status).to.equal('refused');
    expect(s.message).to.deep.include({ key: 'import.error.badCsv' });
    expect(Number((await t.db('complaints').count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('gives a complaint its officer when officers’ names differ only in case (two officers, as written)', async () => {
    const s = await run(
      fileOf(
        csvOf([
          { reference_no: '4001', officer_name: 'Ram Kumar', officer_designation: 'SDM' },
          { reference_no: '4002', officer_name: 'RAM KUMAR', officer_designation: 'SDM' },
          { reference_no: '4003', officer_name: 'Ram Kumar', officer_designation: 'sdm' },
        ]),
      ),
    );
    expect(s).to.include({ inserted: 3, rejected: 0 });
    const officers = await Promise.all(
      ['4001', '4002', '4003'].map(async (ref) =>
        t
          .db('officers')
          .where({ id: (await complaint(t.db, ref)).officer_id })
          .first(),
      ),
    );
    expect(officers.map((o) => o && [o.name, o.designation])).to.deep.equal([
      ['Ram Kumar', 'SDM'],
      ['RAM KUMAR', 'SDM'],
      ['Ram Kumar', 'sdm'],
    ]);
    // Imported again (the officers now exist), the complaints keep them.
    const again = await run(
      fileOf(csvOf([{ reference_no: '4004', officer_name: 'RAM KUMAR', officer_designation: 'SDM' }])),
    );
    expect(again.inserted).to.equal(1);
    expect((await complaint(t.db, '4004')).officer_id).to.equal((await complaint(t.db, '4002')).officer_id);
  });

  it('reads in a worker thread with the same outcome as in this one, chunk by chunk, and hashes the file in the same pass', async () => {
    const file = tempPath(`synthetic-${++fileNo}.csv`);
    await writeSyntheticExport(file, { rows: 500, seed: 11, badShare: 0.2 });
    const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const inWorker = await run(file, { readInWorker: true, chunkRows: 37 });
    const stored = async () => ({
      complaints: await t
        .db('complaints')
        .orderBy('reference_no')
        .select('reference_no', 'content_hash', 'officer_id', 'mobile'),
      errors: await t
        .db('import_errors')
        .where({ batch_id: inWorker.batchId })
        .orderBy(['row_number', 'reason_key'])
        .select('row_number', 'column_name', 'reason_key', 'detail'),
    });
    const fromWorker = await stored();
    expect(inWorker).to.include({ status: 'done', rowsRead: 500, sha256 });
    expect(inWorker.inserted).to.be.greaterThan(350);
    await t.db('import_errors').del();
    await t.db('complaints').del();
    const here = await run(file, { readInWorker: false });
    expect({ ...here, batchId: 0 }).to.deep.equal({ ...inWorker, batchId: 0 });
    const fromHere = await stored();
    expect(fromHere.complaints).to.deep.equal(fromWorker.complaints);
    expect(
      await t.db('import_errors').where({ batch_id: here.batchId }).count({ n: '*' }).first(),
    ).to.satisfy((r: { n: number | string }) => Number(r.n) === fromWorker.errors.length);
    const again = await run(file, { readInWorker: true });
    expect(again).to.include({ inserted: 0, updated: 0, unchanged: here.inserted + here.updated });
  });

  it('hashes a refused file whole too, in either thread', async () => {
    const file = fileOf(csvLine(EN.filter((h) => h !== 'Mobile No')) + '\n1,2,3\n');
    const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    for (const readInWorker of [false, true]) {
      const s = await run(file, { readInWorker });
      expect(s).to.include({ status: 'refused', sha256 });
      expect((await t.db('import_batches').where({ id: s.batchId }).first()).file_sha256).to.equal(sha256);
    }
  });

  it('writes chunks of rows with long texts, new and changed, in statements the database accepts', async () => {
    // Three texts of ~60 KB each: 100 such rows are ~18 MB, over MariaDB's default 16 MB packet.
    const long = (seed: string) => (seed + ' शिकायत का विवरण ').repeat(3300).slice(0, 20_000).trim();
    const rows = (report: string) =>
      Array.from({ length: 100 }, (_, i) => ({
        reference_no: String(8000 + i),
        address: long(`पता ${i}`),
        complaint_text: long(`विवरण ${i}`),
        disposal_report: long(`${report} ${i}`),
      }));
    const first = await run(fileOf(csvOf(rows('आख्या'))), { chunkRows: 2000 });
    expect(first).to.include({ status: 'done', inserted: 100, rejected: 0 });
    expect((await complaint(t.db, '8099')).complaint_text).to.equal(long('विवरण 99'));
    const second = await run(fileOf(csvOf(rows('नई आख्या'))), { chunkRows: 2000 });
    expect(second).to.include({ status: 'done', updated: 100, redisposed: 100 });
    expect((await complaint(t.db, '8042')).disposal_report).to.equal(long('नई आख्या 42'));
  });

  it('re-importing the same file changes nothing', async () => {
    const file = tempPath(`synthetic-${++fileNo}.csv`);
    const made = await writeSyntheticExport(file, { rows: 300, seed: 7, badShare: 0.1 });
    const first = await run(file);
    expect(first.inserted).to.be.greaterThan(200);
    const before = await t.db('complaints').orderBy('id').select('id', 'updated_at', 'content_hash');
    const second = await run(file);
    expect(second).to.include({
      inserted: 0,
      updated: 0,
      unchanged: first.inserted + first.updated,
      rejected: first.rejected,
    });
    expect(await t.db('complaints').orderBy('id').select('id', 'updated_at', 'content_hash')).to.deep.equal(
      before,
    );
    expect(made.rows).to.equal(300);
  });

  it('stores and hashes texts read as bytes (UTF-8) exactly as texts decoded first (UTF-16), long, quoted and odd ones too', async () => {
    const long = 'शिकायत का विवरण '.repeat(40) + 'समाप्त';
    const rows = [
      { reference_no: '7001', complaint_text: long, disposal_report: `${long}\nदूसरी पंक्ति "उद्धरण" सहित` },
      // Left to the string path: CRs become LF; a leading Unicode space and a trailing one are trimmed.
      { reference_no: '7002', complaint_text: `${long}\r\nअंत`, disposal_report: `\u00a0${long}\u3000` },
      // What LOAD DATA reads specially, inside bytes: a backslash, a tab, \N.
      { reference_no: '7003', complaint_text: `${long} \\ और\tटैब \\N`, address: `${long}, ग्राम` },
      { reference_no: '7004', complaint_text: 'छोटा पाठ', disposal_report: '' },
    ];
    const text = csvOf(rows, { eol: '\r\n' });
    const first = await run(fileOf(text));
    expect(first).to.include({ inserted: 4, rejected: 0 });
    const stored = await t
      .db('complaints')
      .orderBy('reference_no')
      .select('reference_no', 'address', 'complaint_text', 'disposal_report', 'content_hash');
    expect(stored.map((c) => c.complaint_text)).to.deep.equal([
      long,
      `${long}\nअंत`,
      `${long} \\ और\tटैब \\N`,
      'छोटा पाठ',
    ]);
    expect(stored[0].disposal_report).to.equal(`${long}\nदूसरी पंक्ति "उद्धरण" सहित`);
    expect(stored[1].disposal_report).to.equal(long);
    expect(stored[2].address).to.equal(`${long}, ग्राम`);
    // The hash is the documented one (read-export.ts, HASHED_COLUMNS), taken over the stored values.
    for (const ref of ['7001', '7003']) {
      const c = await complaint(t.db, ref);
      const officer = await t.db('officers').where({ id: c.officer_id }).first();
      let text = '';
      for (const key of HASHED_COLUMNS) text += (c[key] === null ? '\u0000' : String(c[key])) + '\u0001';
      text += (officer?.name ?? '\u0000') + '\u0001' + (officer?.designation ?? '\u0000');
      expect(c.content_hash, ref).to.equal(createHash('sha256').update(text).digest('hex'));
    }
    // The same export as Excel's "Unicode Text" (UTF-16LE) is decoded and parsed as strings: it must
    // find every complaint unchanged, i.e. hash each the same.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const again = await run(fileOf(utf16));
    expect(again).to.include({ inserted: 0, updated: 0, unchanged: 4, rejected: 0 });
    expect(
      await t
        .db('complaints')
        .orderBy('reference_no')
        .select('reference_no', 'address', 'complaint_text', 'disposal_report', 'content_hash'),
    ).to.deep.equal(stored);
  });

  it('a newer export updates by reference and keeps a replaced disposal report as history', async () => {
    await run(
      fileOf(csvOf([{ reference_no: '2001', disposal_report: 'पुरानी आख्या' }, { reference_no: '2002' }])),
    );
    const s = await run(
      fileOf(
        csvOf([
          { reference_no: '2001', disposal_report: 'नई आख्या', disposed_at: '25/10/2025' },
          { reference_no: '2002', complainant_name: 'नया नाम' },
        ]),
      ),
    );
    expect(s).to.include({ inserted: 0, updated: 2, unchanged: 0, redisposed: 1 });
    const a = await complaint(t.db, '2001');
    expect(a).to.include({ disposal_report: 'नई आख्या', status: 'disposed' });
    expect(Boolean(a.redisposed)).to.equal(true);
    const history = await t.db('complaint_report_history').where({ complaint_id: a.id });
    expect(history).to.have.length(1);
    expect(history[0]).to.include({ disposal_report: 'पुरानी आख्या', disposed_at: '2025-10-20 11:10:00.000' });
    const b = await complaint(t.db, '2002');
    expect(b.complainant_name).to.equal('नया नाम');
    expect(Boolean(b.redisposed)).to.equal(false);
  });

  it('sorts a chunk of new, unchanged and changed complaints, wherever it starts (MariaDB loads first, then compares what was stored)', async () => {
    await run(
      fileOf(
        csvOf(['8001', '8002', '8003'].map((ref) => ({ reference_no: ref, disposal_report: 'पहली आख्या' }))),
      ),
    );
    const newer = csvOf([
      { reference_no: '8001', disposal_report: 'पहली आख्या' },
      { reference_no: '8002', disposal_report: 'दूसरी आख्या' },
      { reference_no: '8004' },
      { reference_no: '8005' },
    ]);
    // Chunks of 2: the first mixes stored and new, the second is all new; then a re-run of both files.
    const s = await run(fileOf(newer), { chunkRows: 2 });
    expect(s).to.include({ inserted: 2, updated: 1, unchanged: 1, redisposed: 1, rejected: 0 });
    const changed = await complaint(t.db, '8002');
    expect(changed.disposal_report).to.equal('दूसरी आख्या');
    expect(await t.db('complaint_report_history').where({ complaint_id: changed.id })).to.have.length(1);
    expect(Number((await t.db('complaints').count({ n: '*' }).first())!.n)).to.equal(5);
    const again = await run(fileOf(newer), { chunkRows: 2 });
    expect(again).to.include({ inserted: 0, updated: 0, unchanged: 4 });
  });

  it('writes a "new" complaint that another import stored meanwhile as an update, not a failure', async () => {
    await run(fileOf(csvOf([{ reference_no: '2101', complainant_name: 'पहला नाम' }])));
    const stored = await complaint(t.db, '2101');
    const {
      id: _id,
      last_verified_at: _verified,
      ...write
    } = stored as Record<string, string | number | null>;
    // As the importer's write of a chunk it read before the other import committed.
    await t.db.transaction((trx) =>
      insertNewComplaints(trx, [
        { ...write, complainant_name: 'दूसरा नाम' },
        { ...write, reference_no: '2102', complainant_name: 'नया' },
      ]),
    );
    expect((await complaint(t.db, '2101')).complainant_name).to.equal('दूसरा नाम');
    expect((await complaint(t.db, '2101')).id).to.equal(stored.id);
    expect((await complaint(t.db, '2102')).complainant_name).to.equal('नया');
  });

  it('finds, after loading a chunk, a complaint another import committed meanwhile (MySQL/MariaDB, READ COMMITTED)', async function () {
    if (engineOf(t.db) !== 'mysql') this.skip(); // the load-first write is MySQL's; SQLite has one writer
    await run(fileOf(csvOf([{ reference_no: '2201' }])));
    const {
      id: _id,
      last_verified_at: _verified,
      ...write
    } = (await complaint(t.db, '2201')) as Record<string, string | number | null>;
    await t.db('complaints').where({ reference_no: '2201' }).del();
    const batchId = Number(write.import_batch_id) + 1000;
    await t.db('import_batches').insert({
      id: batchId,
      file_name: 'b.csv',
      status: 'running',
      dry_run: false,
      started_at: write.created_at,
    });
    await t.db.transaction(async (trx) => {
      // A read before the other import commits: under REPEATABLE READ it would fix the snapshot without
      // 2201, and the lookup after the load would miss the row the load skipped (server/db/knex.ts sets
      // READ COMMITTED on every MySQL connection).
      await trx('complaints').count({ n: '*' });
      await t.db('complaints').insert(write); // another import stores it and commits
      const mine = [
        { ...write, import_batch_id: batchId },
        { ...write, reference_no: '2202', import_batch_id: batchId },
      ];
      expect(await bulkLoadComplaints(trx, mine)).to.equal(1); // 2201 skipped as stored
      const stored = await findExistingComplaints(trx, ['2201', '2202'], batchId);
      expect(stored.map((c) => c.reference_no)).to.deep.equal(['2201']);
    });
  });

  it('writes chunks of new complaints two at a time yet commits them in file order, none after one that fails (MySQL/MariaDB)', async function () {
    if (engineOf(t.db) !== 'mysql') this.skip(); // SQLite writes one chunk after another
    // A chunk whose load the server refuses: the third of five, while the fourth is loading beside it.
    await t.db.raw(
      "CREATE TRIGGER refuse_2305 BEFORE INSERT ON complaints FOR EACH ROW IF NEW.reference_no = '2305' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused 2305'; END IF",
    );
    try {
      const refs = Array.from({ length: 10 }, (_, i) => String(2301 + i));
      const s = await run(fileOf(csvOf(refs.map((ref) => ({ reference_no: ref })))), { chunkRows: 2 });
      expect(s.status).to.equal('failed');
      expect(String(s.message?.params.detail)).to.include('refused 2305');
      const stored = await t
        .db('complaints')
        .whereIn('reference_no', refs)
        .orderBy('reference_no')
        .pluck('reference_no');
      expect(stored).to.deep.equal(['2301', '2302', '2303', '2304']);
    } finally {
      await t.db.raw('DROP TRIGGER IF EXISTS refuse_2305');
    }
    const s = await run(fileOf(csvOf([{ reference_no: '2311' }, { reference_no: '2312' }])), {
      chunkRows: 1,
    });
    expect(s).to.include({ status: 'done', inserted: 2 });
  });

  it('a dry run reports the counts and writes no complaint', async () => {
    const s = await run(
      fileOf(csvOf([{ reference_no: '3001' }, { reference_no: '3002', district: 'Gotham' }])),
      { dryRun: true },
    );
    expect(s).to.include({ status: 'done', dryRun: true, inserted: 1, rejected: 1 });
    expect(await t.db('complaints').count({ n: '*' }).first()).to.satisfy(
      (r: { n: number | string }) => Number(r.n) === 0,
    );
  });

  it('writes a synthetic export with every bad kind: good rows land, bad rows are reported', async () => {
    const file = tempPath(`synthetic-${++fileNo}.csv`);
    const made = await writeSyntheticExport(file, { rows: 400, seed: 3, badShare: 0.25 });
    const s = await run(file);
    const mobileKinds = made.badRows.badMobile + made.badRows.landlineMobile + made.badRows.missingMobile;
    const badTotal = Object.values(made.badRows).reduce((a, b) => a + b, 0);
    expect(s.rowsRead).to.equal(400);
    expect(s.rejected).to.equal(badTotal - mobileKinds);
    expect(s.warnings).to.equal(mobileKinds);
    expect(s.inserted).to.equal(400 - s.rejected);
    expect(fs.existsSync(file)).to.equal(true);
  });
});
