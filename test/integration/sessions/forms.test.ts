import { expect } from 'chai';
import { DateTime } from 'luxon';
import type { RunningServer } from '../../../server/http-server.js';
import { t as message } from '../../../server/shared/i18n.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';
import { aComplaint, aUser, districtId } from '../../helpers/builders.js';
import { aSession } from '../../helpers/builders-sessions.js';

/** What a page shows for a text: Handlebars escapes these characters. */
const escaped = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');

describe('sessions: forms show again with the message, the frame until the first draw, schedule settings', function () {
  this.timeout(60_000);
  const t = useTestDb();
  let server: RunningServer;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
  });
  afterEach(async () => {
    await server.close();
  });

  const count = async (table: string) =>
    Number(((await t.db(table).count({ n: '*' }).first()) as { n: number }).n);
  const form = (client: TestClient, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: client.csrf! });
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return body;
  };
  const post = (client: TestClient, path: string, fields: Record<string, string | string[]>) =>
    client.request('POST', path, form(client, fields), { accept: 'text/html' });
  const signedIn = async (role: 'supervisor' | 'admin' = 'supervisor', districts?: string[] | 'all') => {
    const u = await aUser(t.db, { role, ...(districts ? { districts } : {}) });
    const client = await new TestClient(server.url).signIn(u.username, u.password);
    return { user: u, client };
  };
  const someComplaints = async (n: number, disposedAt = DateTime.utc().minus({ days: 3 })) => {
    const departments = ['revenue', 'police', 'electricity'];
    for (let i = 0; i < n; i++) await aComplaint(t.db, { department: departments[i % 3], disposedAt });
  };
  const lastAudit = async () =>
    (await t.db('audit_log').orderBy('id', 'desc').first()) as {
      action: string;
      entity: string;
      entity_id: string;
      before_state: string | null;
      after_state: string;
    };

  it('shows the plan form again, as typed, with the refusal in Hindi or English, and writes nothing', async () => {
    await someComplaints(12);
    const { client } = await signedIn();
    const caller = await aUser(t.db, { role: 'caller' });
    const district = String(await districtId(t.db));
    const plan = {
      title: 'प्रथम सप्ताह <सत्र> "क"',
      districtId: district,
      sessionDate: '2026-12-02',
      mode: 'officers',
      perCaller: '7',
      disposedFrom: '2000-01-01',
      disposedTo: '2099-12-31',
      departments: ['revenue', 'police'],
      sources: 'IGRS Portal, CM Helpline 1076',
      tehsils: 'सदर',
      excludeVerifiedDays: '45',
      designKind: 'equal',
      minimumPerStratum: '2',
    };

    // No callers ticked: the Hindi message, and every field as it was typed.
    const hindi = await post(client, '/sessions', plan);
    expect(hindi.status).to.equal(400);
    expect(hindi.text).to.contain('action="/sessions"');
    expect(hindi.text).to.contain(escaped(message('hi', 'sessions.error.noCallers')));
    expect(hindi.text).to.contain(`value="${escaped(plan.title)}"`);
    expect(hindi.text).to.contain('value="7"').and.contain('value="45"').and.contain('value="2"');
    expect(hindi.text).to.contain(`value="${escaped(plan.sources)}"`);
    expect(hindi.text).to.match(/<option value="revenue" selected>/);
    expect(hindi.text).to.match(/<option value="police" selected>/);
    expect(hindi.text).to.not.match(/<option value="electricity" selected>/);
    expect(hindi.text).to.match(/value="equal" checked/);
    expect(hindi.text).to.match(new RegExp(`<option value="${district}" selected>`));

    // In English, a caller ticked, a field that does not parse: named by its label, the tick kept.
    await client.getPage('/sessions?lang=en');
    const english = await post(client, '/sessions', {
      ...plan,
      callerIds: String(caller.id),
      perCaller: 'five',
    });
    expect(english.status).to.equal(400);
    expect(english.text).to.contain(
      escaped(
        message('en', 'sessions.error.fieldInvalid', { field: message('en', 'sessions.field.perCaller') }),
      ),
    );
    expect(english.text).to.contain(`value="${caller.id}" checked`);
    expect(english.text).to.contain('value="five"');

    // A plan the frame cannot satisfy: the design's own message.
    const tooBig = await post(client, '/sessions', {
      ...plan,
      callerIds: String(caller.id),
      perCaller: '50',
    });
    expect(tooBig.status).to.equal(400);
    expect(tooBig.text).to.contain('action="/sessions"');
    expect(tooBig.text).to.contain('is larger than the frame');
    expect(await count('feedback_sessions')).to.equal(0);
    expect(await count('session_callers')).to.equal(0);
  });

  it('changes the frame before the first draw, audited; a refused change shows the form again and changes nothing', async () => {
    await someComplaints(15);
    await aComplaint(t.db, { department: 'revenue', disposedAt: DateTime.utc().minus({ days: 400 }) });
    const { client } = await signedIn();
    const caller = await aUser(t.db, { role: 'caller' });
    const deps = testDeps(t.db);
    const id = await aSession(deps, { callers: [caller.id], perCaller: 3 });
    const stored = async () =>
      JSON.parse(
        ((await t.db('feedback_sessions').where({ id }).first('frame_filter')) as { frame_filter: string })
          .frame_filter,
      );
    const before = await stored();

    const page = await client.getPage(`/sessions/${id}?lang=en`);
    expect(page.text).to.contain(`href="/sessions/${id}/frame"`);
    const edit = await client.getPage(`/sessions/${id}/frame`);
    expect(edit.status).to.equal(200);
    expect(edit.text).to.contain('value="2000-01-01"').and.contain(`action="/sessions/${id}/frame"`);

    // Nothing disposed in those dates: the form again, the dates as typed, the latest disposal named.
    const refused = await post(client, `/sessions/${id}/frame`, {
      disposedFrom: '2001-01-01',
      disposedTo: '2001-01-31',
      sources: 'CM Helpline 1076',
      excludeVerifiedDays: '30',
    });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.contain(
      'Nothing was disposed in this district between 2001-01-01 and 2001-01-31',
    );
    expect(refused.text).to.contain('value="2001-01-31"').and.contain('value="CM Helpline 1076"');
    expect(await stored()).to.deep.equal(before);

    const lastYear = DateTime.utc().minus({ days: 500 }).toISODate()!;
    const saved = await post(client, `/sessions/${id}/frame`, {
      disposedFrom: lastYear,
      disposedTo: '2099-12-31',
      departments: ['revenue', 'police'],
      excludeVerifiedDays: '30',
    });
    expect(saved.status).to.equal(303);
    const after = await stored();
    expect(after).to.include({ disposedFrom: lastYear, excludeVerifiedDays: 30 });
    expect(after.departments).to.deep.equal(['revenue', 'police']);
    const entry = await lastAudit();
    expect(entry).to.include({
      action: 'session.frameChanged',
      entity: 'feedback_session',
      entity_id: String(id),
    });
    expect(JSON.parse(entry.before_state!).filter).to.deep.equal(before);
    expect(JSON.parse(entry.after_state).filter).to.deep.equal(after);
    const preview = (await client.get(`/api/sessions/${id}`)).json().data.preview;
    expect(preview.frameSize).to.equal(11); // 5 revenue + 5 police in the last days, and the one of 400 days ago

    // Drawn: the frame is fixed, the page says so, and neither the form nor the API changes it.
    expect((await client.post(`/api/sessions/${id}/draw`)).status).to.equal(201);
    const locked = await client.getPage(`/sessions/${id}/frame`);
    expect(locked.text)
      .to.contain('so its frame can no longer change')
      .and.not.contain(`action="/sessions/${id}/frame"`);
    const shown = await client.getPage(`/sessions/${id}`);
    expect(shown.text).to.contain('The frame is fixed since the first draw (1 draw(s) made)');
    const late = await post(client, `/sessions/${id}/frame`, {
      disposedFrom: '2000-01-01',
      disposedTo: '2099-12-31',
    });
    expect(late.status).to.equal(409);
    expect(late.text).to.contain('plan a new session');
    const api = await client.post(`/api/sessions/${id}/frame`, {
      disposedFrom: '2000-01-01',
      disposedTo: '2099-12-31',
    });
    expect(api.status).to.equal(409);
    expect(api.json().error.key).to.equal('sessions.error.frameLockedAfterDraw');
    expect(await stored()).to.deep.equal(after);
  });

  it('a refused draw shows the session page with the message, and leaves no draw behind', async () => {
    await someComplaints(9);
    const { client } = await signedIn();
    const caller = await aUser(t.db, { role: 'caller' });
    const id = await aSession(testDeps(t.db), { callers: [caller.id], perCaller: 6 });
    // Since planning, most complaints were verified: the frame is now smaller than the sample.
    const verified = (await t.db('complaints').orderBy('id').limit(5).pluck('id')) as number[];
    await t
      .db('complaints')
      .whereIn('id', verified)
      .update({ last_verified_at: DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss.SSS') });
    await client.getPage('/sessions?lang=en');
    const res = await post(client, `/sessions/${id}/draw`, {});
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('<h1>पहले सप्ताह का सत्र</h1>');
    expect(res.text.match(/<p class="alert error"[^>]*>[^<]*/)?.[0]).to.contain(
      'The sample (6) is larger than the frame (4 complaints)',
    );
    expect(await count('sample_draws')).to.equal(0);
    expect(await count('call_tasks')).to.equal(0);
  });

  it('a refused move shows the session page with the message, and the task stays where it was', async () => {
    for (let i = 0; i < 12; i++) {
      await aComplaint(t.db, {
        department: i % 2 ? 'revenue' : 'police',
        disposedAt: DateTime.utc().minus({ days: 3 }),
      });
    }
    const { client } = await signedIn();
    const plain = await aUser(t.db, { role: 'caller' });
    const revenueOfficer = await aUser(t.db, {
      role: 'session_officer',
      department: 'revenue',
      displayName: 'ACM Revenue',
    });
    const id = await aSession(testDeps(t.db), { callers: [plain.id, revenueOfficer.id], perCaller: 3 });
    expect((await client.post(`/api/sessions/${id}/draw`)).status).to.equal(201);
    const revenueTask = (await t
      .db('call_tasks as t')
      .join('complaints as c', 'c.id', 't.complaint_id')
      .join('departments as d', 'd.id', 'c.department_id')
      .where({ 't.session_id': id, 'd.code': 'revenue' })
      .first('t.id', 't.assigned_user_id', 'c.reference_no')) as {
      id: number;
      assigned_user_id: number;
      reference_no: string;
    };
    expect(revenueTask.assigned_user_id).to.equal(plain.id);
    await client.getPage('/sessions?lang=en');
    const res = await post(client, `/sessions/tasks/${revenueTask.id}/move`, {
      toUserId: String(revenueOfficer.id),
    });
    expect(res.status).to.equal(400);
    expect(res.text).to.contain(`id="allocation"`);
    expect(res.text).to.contain(
      `ACM Revenue is responsible for the department of complaint ${revenueTask.reference_no}`,
    );
    expect(
      (
        (await t.db('call_tasks').where({ id: revenueTask.id }).first('assigned_user_id')) as {
          assigned_user_id: number;
        }
      ).assigned_user_id,
    ).to.equal(plain.id);
  });

  it('sets a district’s session weeks and weekdays, audited, keeping its other settings; refuses an empty choice', async () => {
    const kanpur = await districtId(t.db);
    await t
      .db('districts')
      .where({ id: kanpur })
      .update({ settings: JSON.stringify({ callingHours: { start: '10:00', end: '17:00' } }) });
    const { client } = await signedIn();
    const page = await client.getPage(`/sessions/schedule/${kanpur}?lang=en`);
    expect(page.status).to.equal(200);
    expect(page.text)
      .to.match(/name="weeks" value="1" checked/)
      .and.match(/name="weeks" value="3" checked/);
    expect(page.text).to.not.match(/name="weeks" value="2" checked/);
    expect(page.text)
      .to.match(/name="weekdays" value="5" checked/)
      .and.not.match(/name="weekdays" value="6" checked/);
    expect((await client.getPage('/sessions')).text).to.contain(`href="/sessions/schedule/${kanpur}"`);

    const saved = await post(client, `/sessions/schedule/${kanpur}`, {
      weeks: ['4', '2'],
      weekdays: ['3', '1'],
    });
    expect(saved.status).to.equal(303);
    const settings = JSON.parse(
      ((await t.db('districts').where({ id: kanpur }).first('settings')) as { settings: string }).settings,
    );
    expect(settings).to.deep.equal({
      callingHours: { start: '10:00', end: '17:00' },
      sessions: { weeks: [2, 4], weekdays: [1, 3] },
    });
    const entry = await lastAudit();
    expect(entry).to.include({
      action: 'district.scheduleChanged',
      entity: 'district',
      entity_id: String(kanpur),
    });
    expect(JSON.parse(entry.before_state!)).to.deep.equal({ weeks: [1, 3], weekdays: [1, 2, 3, 4, 5] });
    expect(JSON.parse(entry.after_state)).to.deep.equal({ weeks: [2, 4], weekdays: [1, 3] });
    const schedule = (await client.get('/api/sessions/schedule')).json().data as Array<{
      districtId: number;
      proposals: Array<{ day: string; week: number }>;
    }>;
    const proposals = schedule.find((d) => d.districtId === kanpur)!.proposals;
    expect(proposals.length).to.be.greaterThan(0);
    for (const p of proposals) {
      expect(p.week).to.be.oneOf([2, 4]);
      expect(DateTime.fromISO(p.day).weekday).to.be.oneOf([1, 3]);
    }

    const auditRows = await count('audit_log');
    const refused = await post(client, `/sessions/schedule/${kanpur}`, { weeks: ['1', '5'] });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.contain('Tick at least one weekday');
    expect(refused.text)
      .to.match(/name="weeks" value="5" checked/)
      .and.not.match(/name="weeks" value="2" checked/);
    expect(await count('audit_log')).to.equal(auditRows);
    const json = await client.post(`/api/sessions/schedule/${kanpur}`, { weeks: [], weekdays: [1] });
    expect(json.json().error.key).to.equal('sessions.error.scheduleNoWeeks');

    // A supervisor of another district cannot see or change Kanpur Nagar's schedule.
    const other = await signedIn('supervisor', ['lucknow']);
    const beforeForeign = await count('audit_log');
    expect((await other.client.getPage(`/sessions/schedule/${kanpur}`)).status).to.equal(404);
    const foreign = await post(other.client, `/sessions/schedule/${kanpur}`, {
      weeks: ['1'],
      weekdays: ['1'],
    });
    expect(foreign.status).to.equal(404);
    expect(await count('audit_log')).to.equal(beforeForeign);
  });
});
