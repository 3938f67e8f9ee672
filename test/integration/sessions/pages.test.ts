import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';
import { aComplaint, aUser, districtId } from '../../helpers/builders.js';
import type { RunningServer } from '../../../server/http-server.js';

describe('sessions: pages and JSON endpoints', function () {
  this.timeout(60_000);
  const t = useTestDb();
  let server: RunningServer;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
  });
  afterEach(async () => {
    await server.close();
  });

  it('plans, previews, draws twice and prints a certificate listing both draws with a checkable frame', async () => {
    const departments = ['revenue', 'police', 'electricity'];
    for (let i = 0; i < 30; i++) {
      await aComplaint(t.db, {
        department: departments[i % 3],
        disposedAt: DateTime.utc().minus({ days: 3 }),
      });
    }
    const sup = await aUser(t.db, { role: 'supervisor' });
    const callerA = await aUser(t.db, { role: 'caller' });
    const callerB = await aUser(t.db, { role: 'session_officer', department: 'police' });
    const client = await new TestClient(server.url).signIn(sup.username, sup.password);

    const list = await client.getPage('/sessions?lang=en');
    expect(list.text, list.text.slice(0, 3000)).to.contain('Proposed dates');
    const form = await client.getPage('/sessions/new');
    expect(form.status).to.equal(200);
    expect(form.text).to.contain(`value="${callerA.id}"`);

    const body = new URLSearchParams({
      _csrf: client.csrf!,
      title: 'Session 1',
      districtId: String(await districtId(t.db)),
      sessionDate: '2026-12-02',
      mode: 'officers',
      perCaller: '4',
      disposedFrom: '2000-01-01',
      disposedTo: '2099-12-31',
      excludeVerifiedDays: '90',
      designKind: 'proportional',
    });
    body.append('callerIds', String(callerA.id));
    body.append('callerIds', String(callerB.id));
    const created = await client.request('POST', '/sessions', body, { accept: 'text/html' });
    expect(created.status).to.equal(303);
    const path = created.headers.get('location')!;
    const id = Number(path.split('/').pop());

    const preview = await client.getPage(`${path}?lang=en`);
    expect(preview.text).to.contain('Complaints in the frame');
    expect(preview.text).to.contain('±');

    const first = await client.post(`/api/sessions/${id}/draw`);
    expect(first.status).to.equal(201);
    const second = await client.post(`/api/sessions/${id}/draw`);
    const draws = [first.json().data, second.json().data];

    const detail = (await client.get(`/api/sessions/${id}`)).json().data;
    expect(detail.tasks).to.have.length(8);

    const certificate = await client.getPage(`/sessions/${id}/certificate?lang=en`);
    expect(certificate.status).to.equal(200);
    for (const d of draws) {
      expect(certificate.text).to.contain(d.seed);
      expect(certificate.text).to.contain(d.frameHash);
    }
    expect(certificate.text).to.match(/Draws made for this session<\/th>\s*<td>2<\/td>/);

    const frame = await fetch(`${server.url}/sessions/${id}/draws/${draws[0].drawId}/frame.tsv`, {
      headers: { cookie: (client as unknown as { cookieHeader(): string }).cookieHeader() },
    });
    const bytes = Buffer.from(await frame.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).to.equal(draws[0].frameHash);

    const verify = (await client.get(`/api/sessions/${id}/draws/${draws[0].drawId}/verify`)).json().data;
    expect(verify.confirmed).to.equal(true);
  });

  it('answers a bad plan with a bilingual message and keeps callers out of the planning pages', async () => {
    await aComplaint(t.db);
    const sup = await aUser(t.db, { role: 'supervisor' });
    const client = await new TestClient(server.url).signIn(sup.username, sup.password);
    const res = await client.post('/api/sessions?lang=hi', {
      title: 'x',
      districtId: await districtId(t.db),
      sessionDate: '2026-12-02',
      mode: 'officers',
      callerIds: [],
      disposedFrom: '2000-01-01',
      disposedTo: '2099-12-31',
    });
    expect(res.status).to.equal(400);
    expect(res.json().error.key).to.equal('sessions.error.noCallers');
    expect(Number(((await t.db('feedback_sessions').count({ n: '*' }).first()) as { n: number }).n)).to.equal(
      0,
    );

    const caller = await aUser(t.db, { role: 'caller' });
    const other = await new TestClient(server.url).signIn(caller.username, caller.password);
    expect((await other.get('/api/sessions')).status).to.equal(403);
  });
});
