// The calls endpoints and console pages over HTTP: claiming, the outcome form's idempotency, masking and bad input.
import { expect } from 'chai';
import { fixedClock, formatIst, fromDbTime, istDay } from '../../../server/shared/dates.js';
import type { RunningServer } from '../../../server/http-server.js';
import { aComplaint, aUser } from '../../helpers/builders.js';
import { aSession, aTask, manyTasks } from '../../helpers/builders-calls.js';
import { startTestServer, TestClient, testDeps } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';

describe('calls over HTTP', () => {
  const t = useTestDb();
  let server: RunningServer | null = null;
  const clock = fixedClock('2026-11-23T11:00:00+05:30');

  afterEach(async () => {
    await server?.close();
    server = null;
  });

  async function start() {
    clock.set('2026-11-23T11:00:00+05:30');
    const deps = testDeps(t.db, { clock });
    server = await startTestServer(deps);
    return deps;
  }

  async function signedIn(user: { username: string; password: string }) {
    return new TestClient(server!.url).signIn(user.username, user.password);
  }

  it('lets 50 callers claim and complete 200 tasks over HTTP with no double claim and none lost', async function () {
    this.timeout(180_000);
    const callers = await Promise.all(Array.from({ length: 50 }, () => aUser(t.db, { role: 'caller' })));
    const sessionId = await aSession(t.db, { callers: callers.map((c) => c.id) });
    await manyTasks(t.db, sessionId, 200);
    await start();
    const clients = await Promise.all(callers.map((c) => signedIn(c)));
    const claims: number[] = [];
    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; ; n++) {
          const res = await client.post('/api/calls/next');
          expect(res.status).to.equal(200);
          const task = res.json().data.task;
          if (!task) return;
          claims.push(task.id);
          const done = await client.post(`/api/tasks/${task.id}/outcome`, {
            idempotencyKey: `http-${i}-${n}-${task.id}`,
            disposition: 'complete',
            verdict: 'satisfied',
          });
          expect(done.status).to.equal(201);
        }
      }),
    );
    expect(claims).to.have.length(200);
    expect(new Set(claims).size).to.equal(200);
    expect(Number((await t.db('outcomes').count({ n: '*' }).first())!.n)).to.equal(200);
    expect(
      Number((await t.db('call_tasks').where({ status: 'done' }).count({ n: '*' }).first())!.n),
    ).to.equal(200);
  });

  it('records one outcome for a double submit, and shows the full number only to the lease holder', async () => {
    const caller = await aUser(t.db);
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const complaint = await aComplaint(t.db, { mobile: '+919876543212', complainantName: 'सीता देवी' });
    const taskId = await aTask(t.db, { sessionId, complaintId: complaint.id });
    await start();
    const client = await signedIn(caller);
    const claimed = await client.post('/calls/next', new URLSearchParams({ _csrf: client.csrf! }), {
      accept: 'text/html',
    });
    expect(claimed.status).to.equal(303);
    expect(claimed.headers.get('location')).to.equal(`/calls/tasks/${taskId}`);

    const page = await client.getPage(`/calls/tasks/${taskId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('+919876543212');
    expect(page.text).to.include('सीता देवी'); // the script addresses the complainant by name
    expect(page.text).to.include(complaint.referenceNo);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.text)![1]!;

    const boss = await signedIn(supervisor);
    const seen = await boss.getPage(`/calls/tasks/${taskId}`);
    expect(seen.status).to.equal(200);
    expect(seen.text).to.not.include('+919876543212');
    expect(seen.text).to.include('98xxxxxx12');

    const body = {
      idempotencyKey: key,
      disposition: 'complete',
      verdict: 'unsatisfied',
      answers: { solved: 'no' },
    };
    const [a, b] = await Promise.all([
      client.post(`/api/tasks/${taskId}/outcome`, body),
      client.post(`/api/tasks/${taskId}/outcome`, body),
    ]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 201]);
    expect(a.json().data.outcomeId).to.equal(b.json().data.outcomeId);
    const rows = await t.db('outcomes').where({ task_id: taskId });
    expect(rows).to.have.length(1);
    expect(await t.db('report_flags').where({ complaint_id: complaint.id })).to.have.length(1);
    expect((await t.db('complaints').where({ id: complaint.id }).first()).last_verified_at).to.not.equal(
      null,
    );
  });

  it('refuses bad input with an actionable message in the caller’s language', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const taskId = await aTask(t.db, { sessionId });
    const other = await aTask(t.db, { sessionId });
    await start();
    const client = await signedIn(caller);
    await client.post('/api/calls/next');
    const unknown = await client.post(`/api/tasks/${taskId}/outcome?lang=en`, {
      idempotencyKey: 'k-unknown-1',
      disposition: 'asleep',
    });
    expect(unknown.status).to.equal(400);
    expect(unknown.json().error.key).to.equal('calls.error.unknownDisposition');
    expect(unknown.json().error.message).to.include('no_answer');
    const hindi = await client.post(`/api/tasks/${taskId}/outcome?lang=hi`, {
      idempotencyKey: 'k-verdict-1',
      disposition: 'complete',
    });
    expect(hindi.status).to.equal(400);
    expect(hindi.json().error.message).to.include('मत');
    const notMine = await client.post(`/api/tasks/${other}/outcome`, {
      idempotencyKey: 'k-other-1',
      disposition: 'busy',
    });
    expect(notMine.status).to.equal(403);
    expect(notMine.json().error.key).to.equal('calls.error.notYourTask');
    clock.advance({ minutes: 16 });
    const late = await client.post(`/api/tasks/${taskId}/outcome`, {
      idempotencyKey: 'k-late-1',
      disposition: 'busy',
    });
    expect(late.status).to.equal(409);
    expect(late.json().error.key).to.equal('calls.error.leaseExpired');
    // Coming back to the page after the lease ran out says so plainly.
    const back = await client.getPage(`/calls/tasks/${taskId}?lang=en`);
    expect(back.text).to.include('data-lease-lost');
    expect(await t.db('outcomes')).to.have.length(0);
  });

  it('shows my calls with progress and the next call-back', async () => {
    const officer = await aUser(t.db, { role: 'session_officer' });
    const sessionId = await aSession(t.db, { mode: 'officers' });
    const ids = await Promise.all(
      Array.from({ length: 5 }, () => aTask(t.db, { sessionId, assignedUserId: officer.id })),
    );
    await start();
    const client = await signedIn(officer);
    for (const verdict of ['satisfied', 'unsatisfied']) {
      const task = (await client.post('/api/calls/next')).json().data.task;
      const saved = await client.post(`/api/tasks/${task.id}/outcome`, {
        idempotencyKey: `key-${task.id}-done`,
        disposition: 'complete',
        verdict,
      });
      expect(saved.status).to.equal(201);
    }
    const task = (await client.post('/api/calls/next')).json().data.task;
    expect(ids).to.include(task.id);
    await client.post(`/api/tasks/${task.id}/outcome`, {
      idempotencyKey: `key-${task.id}-callback`,
      disposition: 'callback_requested',
      callbackAt: '2026-11-23T16:30',
    });
    const mine = (await client.get('/api/calls/mine')).json().data;
    expect(mine).to.include({ assigned: 5, done: 2 });
    expect(mine.callbacks).to.have.length(1);
    const page = await client.getPage('/calls?lang=en');
    expect(page.text).to.include('2 of 5 done');
    expect(page.text).to.include('4:30');
  });

  it('tells a caller with nothing to call what comes next: a call-back, a retry, all done, or nothing given yet', async () => {
    const officer = await aUser(t.db, { role: 'session_officer' });
    const sessionId = await aSession(t.db, { mode: 'officers' });
    await aTask(t.db, { sessionId, assignedUserId: officer.id, priority: 2 });
    await aTask(t.db, { sessionId, assignedUserId: officer.id, priority: 1 });
    await start();
    const client = await signedIn(officer);
    const claimAndRecord = async (outcome: Record<string, string>) => {
      const task = (await client.post('/api/calls/next')).json().data.task;
      const res = await client.post(`/api/tasks/${task.id}/outcome`, {
        idempotencyKey: `empty-${task.id}-${outcome.disposition}`,
        ...outcome,
      });
      expect(res.status, res.text).to.equal(201);
      return task.id as number;
    };
    const emptyText = async (lang: 'hi' | 'en') => {
      const page = await client.getPage(`/calls?lang=${lang}`);
      return /<div class="calls-empty" data-empty>([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? null;
    };

    expect(await emptyText('hi'), 'two calls wait: no empty state').to.equal(null);
    await claimAndRecord({ disposition: 'complete', verdict: 'satisfied' });
    const second = await claimAndRecord({
      disposition: 'callback_requested',
      callbackAt: '2026-11-23T16:30',
    });
    expect(await emptyText('hi')).to.include('अभी आपके लिए कोई कॉल प्रतीक्षा में नहीं है');
    expect(await emptyText('hi')).to.match(/अगली कॉल-बैक 4:30 (pm|PM) पर/);
    expect(await emptyText('en')).to.match(/Next call-back at 4:30 (pm|PM)/);
    // Pressing "next" with nothing due leads here too, without a second, vaguer message.
    const none = await client.getPage('/calls?none=none&lang=en');
    expect(none.text).not.to.include('No call is due for you right now');
    const mine = (await client.get('/api/calls/mine')).json().data;
    expect(mine.next).to.deep.equal({ dueAt: '2026-11-23 11:00:00.000', isCallback: true });

    // At the call-back the complainant does not answer: a retry later, named with its date when it is not today.
    clock.set('2026-11-23T16:31:00+05:30');
    expect(await claimAndRecord({ disposition: 'no_answer' })).to.equal(second);
    const retry = await emptyText('en');
    expect(retry).to.include('Next attempt at');
    const dueAt = (await t.db('call_tasks').where({ id: second }).first('due_at')).due_at as string;
    const sameDay = istDay(fromDbTime(dueAt)!) === '2026-11-23';
    expect(retry).to.include(formatIst(dueAt, 'en', sameDay ? 'time' : 'datetime'));

    // Once it is answered, everything is done.
    clock.set(`${dueAt.slice(0, 10)}T${dueAt.slice(11, 19)}Z`);
    clock.advance({ minutes: 1 });
    await claimAndRecord({ disposition: 'complete', verdict: 'unsatisfied' });
    expect(await emptyText('hi')).to.include('आपकी सभी 2 कॉल पूर्ण हो गई हैं');

    // A caller with no calls given yet is told where calls come from; a supervisor sees no empty state.
    const newcomer = await signedIn(await aUser(t.db, { role: 'caller' }));
    const fresh = await newcomer.getPage('/calls');
    expect(fresh.text).to.include('आपको अभी कोई कॉल नहीं सौंपी गई है');
    const boss = await signedIn(await aUser(t.db, { role: 'supervisor' }));
    expect((await boss.getPage('/calls')).text).not.to.include('data-empty');
  });

  it('previews a script edit and refuses a variable that does not exist', async () => {
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const complaint = await aComplaint(t.db, { complainantName: 'मोहन लाल' });
    await start();
    const client = await signedIn(supervisor);
    const editor = await client.getPage('/calls/scripts');
    expect(editor.status).to.equal(200);
    const ok = await client.post('/api/calls/scripts/preview', {
      language: 'hi',
      complaintId: complaint.id,
      body: 'नमस्ते {{complainantName}}, संदर्भ {{referenceNo}}, {{disposedOn}}',
      questions: [{ id: 'solved', text: 'समाधान हुआ?', type: 'yesno' }],
    });
    expect(ok.status).to.equal(200);
    expect(ok.json().data.text).to.include('मोहन लाल');
    const bad = await client.post('/api/calls/scripts/preview?lang=en', {
      language: 'hi',
      complaintId: complaint.id,
      body: 'Hello {{complainantNaam}}',
      questions: [],
    });
    expect(bad.status).to.equal(400);
    expect(bad.json().error.message).to.include('{{complainantNaam}}');
    const notJson = await client.post('/api/calls/scripts/preview?lang=en', {
      language: 'hi',
      complaintId: complaint.id,
      body: 'नमस्ते {{complainantName}}',
      questions: '[{"id": "solved", "text": "समाधान हुआ?",, }]',
    });
    expect(notJson.status).to.equal(400);
    expect(notJson.json().error.key).to.equal('calls.script.questionsNotJson');
    expect(notJson.json().error.message).to.include('not valid JSON');
    const saved = await client.post('/api/calls/scripts', {
      language: 'hi',
      complaintId: complaint.id,
      body: 'नमस्ते {{complainantName}}',
      questions: [],
    });
    expect(saved.status).to.equal(201);
    expect(saved.json().data.version).to.equal(2);
  });

  it('never shows the complainant’s number to the caller in Twilio mode, where the bridge dials it', async () => {
    const caller = await aUser(t.db, { role: 'caller' });
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const complaint = await aComplaint(t.db, { mobile: '+917000099881' });
    await aTask(t.db, { sessionId, complaintId: complaint.id });
    clock.set('2026-11-23T11:00:00+05:30');
    const twilio = { accountSid: 'AC' + '0'.repeat(32), authToken: 'token', callerId: '+915122300001' };
    server = await startTestServer(
      testDeps(t.db, { clock, config: { twilio, publicBaseUrl: 'https://desk.example.org' } }),
    );
    const client = await signedIn(caller);
    const claimed = (await client.post('/api/calls/next')).json().data.task;
    const page = await client.getPage(`/calls/tasks/${claimed.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('data-telephony-call');
    expect(page.text).not.to.include('7000099881');
    expect(page.text).to.include('70xxxxxx81');
  });
});
