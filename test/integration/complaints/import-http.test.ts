// The import over HTTP (upload, progress, summary, errors CSV) and the complaints pages, with their roles and escaping.
import { expect } from 'chai';
import { COLUMNS, type ColumnKey } from '../../../server/features/complaints/import/columns.js';
import type { CellValue } from '../../../server/features/complaints/import/normalise.js';
import type { RunningServer } from '../../../server/http-server.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aUser } from '../../helpers/builders.js';
import { useTestDb } from '../../helpers/db.js';
import { anExportRow, csvLine } from '../../unit/features/complaints/import/export-builders.js';

function csvOf(rows: Partial<Record<ColumnKey, CellValue>>[]): string {
  const lines = [csvLine(COLUMNS.map((c) => c.labelEn))];
  for (const r of rows) {
    const row = anExportRow(r);
    lines.push(csvLine(COLUMNS.map((c) => String(row[c.key] ?? ''))));
  }
  return lines.join('\n') + '\n';
}

function upload(
  content: string | Buffer,
  name = 'export.csv',
  fields: Record<string, string> = {},
): FormData {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

const HOSTILE_NAME = '<script>alert(1)</script>';
const HOSTILE_TEXT = '"onerror=alert(2) <img src=x onerror=alert(3)>';

describe('complaints import over HTTP and the complaints pages', () => {
  const t = useTestDb();
  let server: RunningServer;
  let supervisor: TestClient;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
    const u = await aUser(t.db, { role: 'supervisor' });
    supervisor = await new TestClient(server.url).signIn(u.username, u.password);
    await supervisor.getPage('/complaints/import?lang=en');
  });
  afterEach(async () => {
    await server.close();
  });

  it('imports an upload and answers with the batch summary; the summary page and errors CSV show the bad rows', async () => {
    const res = await supervisor.post(
      '/api/imports',
      upload(csvOf([{ reference_no: '5001' }, { reference_no: '5002', district: 'Gotham' }]), 'igrs.csv'),
    );
    expect(res.status).to.equal(200);
    const { batch } = res.json();
    expect(batch).to.include({ status: 'done', fileName: 'igrs.csv', rowsRead: 2, inserted: 1, rejected: 1 });

    const page = await supervisor.getPage(`/complaints/import/${batch.batchId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('&quot;Gotham&quot; is not a district');
    const list = await supervisor.getPage('/complaints/import');
    expect(list.text).to.contain('igrs.csv');

    const csv = await supervisor.get(`/complaints/import/${batch.batchId}/errors.csv`);
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.contain('text/csv');
    expect(csv.text.replace(/^\ufeff/, '').split('\n')[0]).to.equal('Row,Column,Reason');
    expect(csv.text).to.contain('3,District,"""Gotham"" is not a district');
  });

  it('refuses a file that is not an export with 422 and a message; nothing is written', async () => {
    const res = await supervisor.post(
      '/api/imports',
      upload(Buffer.from([0x25, 0x50, 0x44, 0x46, 0, 1, 2]), 'x.pdf'),
    );
    expect(res.status).to.equal(422);
    expect(res.json().error.key).to.equal('import.error.unknownFormat');
    expect(res.json().batch.status).to.equal('refused');
    expect(Number((await t.db('complaints').count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('runs in the background for the page and reports progress until it is done', async () => {
    const res = await supervisor.post('/api/imports?background=1', upload(csvOf([{ reference_no: '6001' }])));
    expect(res.status).to.equal(202);
    const { batchId } = res.json();
    let body: { batch: { status: string; inserted: number }; percent: number };
    for (let i = 0; ; i++) {
      body = (await supervisor.get(`/api/imports/${batchId}`)).json();
      if (body.batch.status !== 'running' || i > 100) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(body.batch).to.include({ status: 'done', inserted: 1 });
    expect(body.percent).to.equal(100);
  });

  it('lets only supervisors and admins import', async () => {
    for (const role of ['caller', 'viewer', 'session_officer'] as const) {
      const u = await aUser(t.db, { role });
      const client = await new TestClient(server.url).signIn(u.username, u.password);
      expect((await client.post('/api/imports', upload(csvOf([])))).status).to.equal(403);
    }
    expect((await new TestClient(server.url).get('/api/imports/1')).status).to.equal(401);
  });

  it('shows complaints within the user’s districts, masks mobiles and escapes hostile text', async () => {
    const res = await supervisor.post(
      '/api/imports',
      upload(
        csvOf([
          {
            reference_no: '7001',
            complainant_name: HOSTILE_NAME,
            complaint_text: HOSTILE_TEXT,
            mobile: '9876543210',
          },
          { reference_no: '7002', district: 'Lucknow', complainant_name: 'लखनऊ वाला' },
        ]),
      ),
    );
    expect(res.json().batch.inserted).to.equal(2);
    const list = await supervisor.getPage('/complaints?q=7');
    expect(list.status).to.equal(200);
    expect(list.text).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(list.text).not.to.contain(HOSTILE_NAME);
    expect(list.text).to.contain('98xxxxxx10');
    expect(list.text).not.to.contain('9876543210');
    expect(list.text).not.to.contain('लखनऊ वाला'); // another district

    const id = (await t.db('complaints').where({ reference_no: '7001' }).first('id')).id;
    const detail = await supervisor.getPage(`/complaints/${id}`);
    expect(detail.status).to.equal(200);
    expect(detail.text).to.contain(
      '&quot;onerror&#x3D;alert(2) &lt;img src&#x3D;x onerror&#x3D;alert(3)&gt;',
    );
    expect(detail.text).not.to.contain('<img src=x');
    const other = (await t.db('complaints').where({ reference_no: '7002' }).first('id')).id;
    expect((await supervisor.getPage(`/complaints/${other}`)).status).to.equal(404);

    const viewer = await aUser(t.db, { role: 'viewer' });
    const v = await new TestClient(server.url).signIn(viewer.username, viewer.password);
    expect((await v.getPage('/complaints?q=' + encodeURIComponent('<script>'))).status).to.equal(200);
  });

  it('shows a re-disposed complaint with its earlier report', async () => {
    await supervisor.post(
      '/api/imports',
      upload(csvOf([{ reference_no: '8001', disposal_report: 'पहली आख्या' }])),
    );
    await supervisor.post(
      '/api/imports',
      upload(csvOf([{ reference_no: '8001', disposal_report: 'दूसरी आख्या' }])),
    );
    const id = (await t.db('complaints').where({ reference_no: '8001' }).first('id')).id;
    const page = await supervisor.getPage(`/complaints/${id}`);
    expect(page.text).to.contain('दूसरी आख्या');
    expect(page.text).to.contain('पहली आख्या');
    expect(page.text).to.contain('Re-disposed');
  });
});
