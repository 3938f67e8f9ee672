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

  it('rejects rows of districts outside the uploader’s own, and writes none of them', async () => {
    const res = await supervisor.post(
      '/api/imports',
      upload(csvOf([{ reference_no: '7101' }, { reference_no: '7102', district: 'Lucknow' }])),
    );
    expect(res.json().batch).to.include({ inserted: 1, rejected: 1 });
    const errors = await t.db('import_errors').where({ batch_id: res.json().batch.batchId });
    expect(errors.map((e) => [e.row_number, e.column_name, e.reason_key])).to.deep.equal([
      [3, 'District', 'import.error.districtOutOfScope'],
    ]);
    expect(await t.db('complaints').where({ reference_no: '7102' }).first()).to.equal(undefined);
    // The batch is Kanpur Nagar's only: the rejected row does not open it to Lucknow.
    const districts = await t
      .db('import_batch_districts as bd')
      .join('districts as d', 'd.id', 'bd.district_id')
      .where({ batch_id: res.json().batch.batchId })
      .pluck('d.code');
    expect(districts).to.deep.equal(['kanpur-nagar']);
  });

  it('shows a batch, its errors CSV and its progress only to the uploader and to users sharing its districts', async () => {
    const res = await supervisor.post(
      '/api/imports',
      upload(csvOf([{ reference_no: '7201' }, { reference_no: '7202', mobile: '12' }]), 'kanpur.csv'),
    );
    const id = res.json().batch.batchId as number;
    expect(await t.db('import_batch_districts').where({ batch_id: id }).pluck('district_id')).to.deep.equal([
      (await t.db('districts').where({ code: 'kanpur-nagar' }).first('id')).id,
    ]);
    const as = async (spec: Parameters<typeof aUser>[1]) => {
      const u = await aUser(t.db, spec);
      return new TestClient(server.url).signIn(u.username, u.password);
    };
    const sameDistrict = await as({ role: 'supervisor' });
    const otherDistrict = await as({ role: 'supervisor', districts: ['lucknow'] });
    const admin = await as({ role: 'admin', districts: 'all' });
    for (const [client, allowed] of [
      [supervisor, true],
      [sameDistrict, true],
      [admin, true],
      [otherDistrict, false],
    ] as const) {
      expect((await client.getPage(`/complaints/import/${id}`)).status).to.equal(allowed ? 200 : 404);
      // An admin sees the batch but may not download its errors (personal data; see the test below).
      expect((await client.get(`/complaints/import/${id}/errors.csv`)).status).to.equal(
        !allowed ? 404 : client === admin ? 403 : 200,
      );
      expect((await client.get(`/api/imports/${id}`)).status).to.equal(allowed ? 200 : 404);
      expect((await client.getPage('/complaints/import')).text.includes('kanpur.csv')).to.equal(allowed);
    }

    // A refused file has no rows, so no districts: only its uploader (and all-district users) see it.
    const refused = await supervisor.post('/api/imports', upload(Buffer.from('%PDF-1.4\u0000'), 'x.pdf'));
    const refusedId = refused.json().batch.batchId as number;
    expect((await supervisor.get(`/api/imports/${refusedId}`)).status).to.equal(200);
    expect((await admin.get(`/api/imports/${refusedId}`)).status).to.equal(200);
    expect((await sameDistrict.get(`/api/imports/${refusedId}`)).status).to.equal(404);
  });

  it('gives the errors CSV (complainants’ data) only to personal-data exporters, and logs each download', async () => {
    const res = await supervisor.post(
      '/api/imports',
      upload(
        csvOf([
          { reference_no: '7301', mobile: '12' },
          { reference_no: '7302', district: 'Gotham' },
        ]),
      ),
    );
    const id = res.json().batch.batchId as number;
    const link = `/complaints/import/${id}/errors.csv`;
    expect((await supervisor.getPage(`/complaints/import/${id}`)).text).to.contain(link);
    expect((await supervisor.get(link)).status).to.equal(200);
    const logged = await t.db('audit_log').where({ action: 'export.made' });
    expect(logged).to.have.length(1);
    expect(JSON.parse(logged[0].after_state)).to.deep.include({
      what: 'import-errors.csv',
      filters: { batchId: id },
      rows: 2,
    });

    for (const role of ['admin', 'session_officer', 'caller', 'viewer'] as const) {
      const u = await aUser(t.db, { role, districts: 'all' });
      const client = await new TestClient(server.url).signIn(u.username, u.password);
      expect((await client.get(link)).status, role).to.equal(403);
      if (role === 'admin') {
        const page = await client.getPage(`/complaints/import/${id}`);
        expect(page.status).to.equal(200);
        expect(page.text, 'no download link for an admin').not.to.contain(link);
      }
    }
    expect(await t.db('audit_log').where({ action: 'export.made' })).to.have.length(1);
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
        ]),
      ),
    );
    expect(res.json().batch.inserted).to.equal(1);
    // Another district's complaint, imported by someone who holds that district.
    const lucknow = await aUser(t.db, { role: 'supervisor', districts: ['lucknow'] });
    const other = await new TestClient(server.url).signIn(lucknow.username, lucknow.password);
    await other.getPage('/complaints/import');
    const theirs = await other.post(
      '/api/imports',
      upload(csvOf([{ reference_no: '7002', district: 'Lucknow', complainant_name: 'लखनऊ वाला' }])),
    );
    expect(theirs.json().batch.inserted).to.equal(1);
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
    const otherId = (await t.db('complaints').where({ reference_no: '7002' }).first('id')).id;
    expect((await supervisor.getPage(`/complaints/${otherId}`)).status).to.equal(404);

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
