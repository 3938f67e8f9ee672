// Outcome corrections over HTTP: a session's outcomes, one outcome's history, the correction form and its refusals.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { startTestServer, TestClient, testDeps, type Reply } from '../../helpers/app.js';
import { aComplaint, aUser, districtId } from '../../helpers/builders.js';
import { aSession, aTask } from '../../helpers/builders-calls.js';
import { useTestDb } from '../../helpers/db.js';

type Signed = { id: number; username: string; password: string };

describe('outcome corrections over HTTP', () => {
  const t = useTestDb();
  let server: RunningServer | null = null;
  const clock = fixedClock('2026-11-23T11:00:00+05:30');

  afterEach(async () => {
    await server?.close();
    server = null;
  });

  async function start() {
    clock.set('2026-11-23T11:00:00+05:30');
    server = await startTestServer(testDeps(t.db, { clock }));
  }
  const signedIn = (u: Signed) => new TestClient(server!.url).signIn(u.username, u.password);

  /** A caller claims the session's next call through the console's endpoints and records what it came to. */
  async function recordThroughConsole(
    client: TestClient,
    outcome: { disposition: string; verdict?: string; remarks?: string; answers?: Record<string, string> },
  ): Promise<{ taskId: number; outcomeId: number }> {
    const claim = await client.post('/api/calls/next');
    const taskId = claim.json().data.task?.id as number;
    expect(taskId, claim.text).to.be.a('number');
    const page = await client.getPage(`/calls/tasks/${taskId}`);
    const scriptId = Number(/name="scriptId" value="(\d+)"/.exec(page.text)![1]);
    const res = await client.post(`/api/tasks/${taskId}/outcome`, {
      idempotencyKey: `console-${taskId}-${outcome.disposition}`,
      scriptId,
      ...outcome,
    });
    expect(res.status, res.text).to.equal(201);
    return { taskId, outcomeId: res.json().data.outcomeId };
  }

  async function aRecordedOutcome() {
    const caller = await aUser(t.db, { role: 'caller', displayName: 'राधा कॉलर' });
    const supervisor = await aUser(t.db, { role: 'supervisor', displayName: 'आईजीआरएस प्रभारी' });
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    // The frame a planned session keeps, so its page can show it.
    await t
      .db('feedback_sessions')
      .where({ id: sessionId })
      .update({
        frame_filter: JSON.stringify({
          districtId: await districtId(t.db),
          disposedFrom: '2026-11-01',
          disposedTo: '2026-11-20',
        }),
        design: JSON.stringify({ kind: 'simple' }),
      });
    const complaint = await aComplaint(t.db, { complainantName: 'सीता देवी' });
    await aTask(t.db, { sessionId, complaintId: complaint.id });
    await start();
    const callerClient = await signedIn(caller);
    const recorded = await recordThroughConsole(callerClient, {
      disposition: 'complete',
      verdict: 'satisfied',
      remarks: 'सब ठीक है',
      answers: { contacted: 'yes', visited: 'yes', solved: 'yes' },
    });
    return { caller, supervisor, sessionId, complaint, callerClient, ...recorded };
  }

  const form = (page: Reply) => {
    const action = /<form method="post" action="(\/calls\/outcomes\/\d+\/correction)"/.exec(page.text);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.text);
    return { action: action?.[1] ?? null, key: key?.[1] ?? null };
  };
  const submit = (client: TestClient, action: string, fields: Record<string, string>) =>
    client.request('POST', action, new URLSearchParams({ _csrf: client.csrf!, ...fields }), {
      accept: 'text/html',
    });
  const outcomeRows = () => t.db('outcomes').orderBy('id');

  it('lets a supervisor open a session’s outcome, see its history and correct it, keeping what was typed through a refusal', async () => {
    const { supervisor, sessionId, outcomeId, complaint, taskId } = await aRecordedOutcome();
    const boss = await signedIn(supervisor);

    const session = await boss.getPage(`/sessions/${sessionId}`);
    expect(session.text).to.include(`href="/sessions/${sessionId}/outcomes"`);
    const list = await boss.getPage(`/sessions/${sessionId}/outcomes`);
    expect(list.status).to.equal(200);
    expect(list.text).to.include(complaint.referenceNo);
    expect(list.text).to.include(`href="/calls/outcomes/${outcomeId}"`);
    expect(list.text).to.include('संतुष्ट');

    const page = await boss.getPage(`/calls/outcomes/${outcomeId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('मूल परिणाम');
    expect(page.text).to.include('राधा कॉलर');
    expect(page.text).to.include('सब ठीक है');
    // The answers are shown with the questions of the script the caller read.
    expect(page.text).to.include('क्या आपकी समस्या का समाधान हो गया?');
    const { action, key } = form(page);
    expect(action).to.equal(`/calls/outcomes/${outcomeId}/correction`);

    // No reason: the form comes back in Hindi with the message and everything typed; nothing is written.
    const refused = await submit(boss, action!, {
      idempotencyKey: key!,
      verdict: 'not_addressed',
      'answer.solved': 'no',
      remarks: 'शिकायतकर्ता ने बताया कि कोई नहीं आया',
      reason: '',
    });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.include('सुधार का कारण लिखें');
    expect(refused.text).to.include('शिकायतकर्ता ने बताया कि कोई नहीं आया');
    expect(refused.text).to.match(/value="not_addressed" checked/);
    expect(refused.text).to.match(/name="answer.solved" value="no" checked/);
    expect(await outcomeRows()).to.have.length(1);

    // With a reason it is saved as a new entry; the form's own key sent twice makes one correction.
    const again = form(refused);
    const fields = {
      idempotencyKey: again.key!,
      verdict: 'not_addressed',
      'answer.solved': 'no',
      remarks: 'शिकायतकर्ता ने बताया कि कोई नहीं आया',
      reason: 'कॉलर ने गलत कुंजी दबाई; शिकायतकर्ता असंतुष्ट है',
    };
    const saved = await submit(boss, again.action!, fields);
    expect(saved.status, saved.text).to.equal(303);
    const twice = await submit(boss, again.action!, fields);
    expect(twice.status).to.equal(303);
    expect(twice.headers.get('location')).to.equal(saved.headers.get('location'));
    const rows = await outcomeRows();
    expect(
      rows.map((r) => [r.verdict, Boolean(r.is_current), r.corrects_outcome_id, r.user_id]),
    ).to.deep.equal([
      ['satisfied', false, null, rows[0].user_id],
      ['not_addressed', true, outcomeId, supervisor.id],
    ]);
    expect(JSON.parse(rows[1].answers)).to.deep.equal({ contacted: 'yes', visited: 'yes', solved: 'no' });
    expect(rows[1].correction_reason).to.equal(fields.reason);
    expect(await t.db('audit_log').where({ action: 'outcome.corrected' })).to.have.length(1);

    const after = await boss.getPage(saved.headers.get('location')!);
    expect(after.text).to.include('सुधार सहेजा गया');
    expect(after.text).to.include('सुधार 1');
    expect(after.text).to.include('आईजीआरएस प्रभारी');
    expect(after.text).to.include(fields.reason);
    // Both entries, the original first.
    const ids = [...after.text.matchAll(/class="outcome-entry[^"]*" data-outcome-id="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(ids).to.deep.equal([outcomeId, rows[1].id]);

    // The task page lists both, and the JSON answer carries the same history.
    const taskPage = await boss.getPage(`/calls/tasks/${taskId}`);
    expect(taskPage.text).to.include(`href="/calls/outcomes/${rows[1].id}"`);
    const json = await boss.get(`/api/outcomes/${outcomeId}`);
    expect(json.json().data.chain.map((e: { id: number }) => e.id)).to.deep.equal(ids);
    expect(json.json().data).to.include({ latestId: rows[1].id, mayCorrect: true });

    // In English, the same refusal reads in English.
    await boss.getPage('/?lang=en');
    const english = await submit(boss, form(after).action!, {
      idempotencyKey: form(after).key!,
      reason: 'x',
    });
    expect(english.status).to.equal(400);
    expect(english.text).to.include('Give the reason for the correction');
  });

  it('shows a stale form again with the newer correction and what was typed, instead of correcting an old entry', async () => {
    const { supervisor, outcomeId } = await aRecordedOutcome();
    const first = await signedIn(supervisor);
    const other = await signedIn(await aUser(t.db, { role: 'supervisor', displayName: 'दूसरा पर्यवेक्षक' }));
    const stale = form(await first.getPage(`/calls/outcomes/${outcomeId}`));
    const meanwhile = form(await other.getPage(`/calls/outcomes/${outcomeId}`));
    expect(
      (
        await submit(other, meanwhile.action!, {
          idempotencyKey: meanwhile.key!,
          verdict: 'unsatisfied',
          reason: 'पहला सुधार',
        })
      ).status,
    ).to.equal(303);

    const late = await submit(first, stale.action!, {
      idempotencyKey: stale.key!,
      verdict: 'partly_satisfied',
      reason: 'मेरा सुधार',
    });
    expect(late.status).to.equal(409);
    expect(late.text).to.include('यह परिणाम पहले ही सुधारा जा चुका है');
    expect(late.text).to.include('पहला सुधार'); // the newer correction is in the history now
    expect(late.text).to.include('>मेरा सुधार</textarea>');
    expect(late.text).to.match(/value="partly_satisfied" checked/);
    const latest = (await outcomeRows()).at(-1)!;
    expect(form(late).action).to.equal(`/calls/outcomes/${latest.id}/correction`);
    expect(await outcomeRows()).to.have.length(2);
  });

  it('lets the caller correct their own outcome; another caller of the district and other districts’ users are refused', async () => {
    const { callerClient, outcomeId, sessionId } = await aRecordedOutcome();
    const mine = await callerClient.getPage(`/calls/outcomes/${outcomeId}`);
    expect(mine.status).to.equal(200);
    const { action, key } = form(mine);
    const saved = await submit(callerClient, action!, {
      idempotencyKey: key!,
      verdict: 'partly_satisfied',
      reason: 'शिकायतकर्ता ने बाद में बताया कि काम अधूरा है',
    });
    expect(saved.status).to.equal(303);
    const correctionId = (await outcomeRows()).at(-1)!.id;

    const colleague = await signedIn(await aUser(t.db, { role: 'caller', username: 'colleague' }));
    await colleague.getPage('/?lang=en');
    const refusedPage = await colleague.getPage(`/calls/outcomes/${correctionId}`);
    expect(refusedPage.status).to.equal(403);
    expect(refusedPage.text).to.include('Another caller recorded this outcome');
    expect(refusedPage.text).not.to.include('शिकायतकर्ता ने बाद में बताया');
    const refusedPost = await colleague.post(`/api/outcomes/${correctionId}/correction`, {
      idempotencyKey: 'colleague-key-1',
      verdict: 'satisfied',
      reason: 'मैं बदल दूँ',
    });
    expect(refusedPost.status).to.equal(403);

    // A supervisor of another district: the outcome does not exist for them, on the page, in JSON and for a correction.
    const lucknow = await signedIn(await aUser(t.db, { role: 'supervisor', districts: ['lucknow'] }));
    expect((await lucknow.getPage(`/calls/outcomes/${correctionId}`)).status).to.equal(404);
    expect((await lucknow.get(`/api/outcomes/${correctionId}`)).status).to.equal(404);
    expect((await lucknow.getPage(`/sessions/${sessionId}/outcomes`)).status).to.equal(404);
    const elsewhere = await lucknow.post(`/api/outcomes/${correctionId}/correction`, {
      idempotencyKey: 'lucknow-key-1',
      verdict: 'satisfied',
      reason: 'दूसरे जनपद से',
    });
    expect(elsewhere.status).to.equal(404);
    expect(elsewhere.json().error.key).to.equal('calls.error.outcomeNotFound');
    const formPost = await submit(lucknow, `/calls/outcomes/${correctionId}/correction`, {
      idempotencyKey: 'lucknow-key-2',
      verdict: 'satisfied',
      reason: 'दूसरे जनपद से',
    });
    expect(formPost.status).to.equal(404);
    expect(await outcomeRows()).to.have.length(2);
  });

  it('keeps the verdict to the call’s disposition, and an outcome a later attempt replaced cannot be corrected', async () => {
    const caller = await aUser(t.db, { role: 'caller' });
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const taskId = await aTask(t.db, { sessionId });
    await start();
    const callerClient = await signedIn(caller);
    const noAnswer = await recordThroughConsole(callerClient, { disposition: 'no_answer' });
    expect(noAnswer.taskId).to.equal(taskId);
    const boss = await signedIn(supervisor);

    // "No answer" takes no verdict: the form offers none, and the endpoint refuses one.
    const page = await boss.getPage(`/calls/outcomes/${noAnswer.outcomeId}`);
    expect(page.text).not.to.include('name="verdict"');
    const withVerdict = await boss.post(`/api/outcomes/${noAnswer.outcomeId}/correction`, {
      idempotencyKey: 'verdict-on-no-answer',
      verdict: 'satisfied',
      reason: 'गलत',
    });
    expect(withVerdict.status).to.equal(400);
    expect(withVerdict.json().error.key).to.equal('calls.error.verdictNotTaken');

    // The retry is due two hours or more later; the second attempt is complete.
    clock.set('2026-11-23T15:30:00+05:30');
    const complete = await recordThroughConsole(callerClient, {
      disposition: 'complete',
      verdict: 'unsatisfied',
    });
    expect(complete.taskId).to.equal(taskId);
    const cleared = await boss.post(`/api/outcomes/${complete.outcomeId}/correction`, {
      idempotencyKey: 'clear-the-verdict',
      verdict: '',
      reason: 'मत हटाएँ',
    });
    expect(cleared.status).to.equal(400);
    expect(cleared.json().error.key).to.equal('calls.error.correctionVerdictRequired');

    const replaced = await boss.getPage(`/calls/outcomes/${noAnswer.outcomeId}`);
    expect(replaced.status).to.equal(200);
    expect(replaced.text).to.include('बाद के कॉल प्रयास');
    expect(form(replaced).action).to.equal(null);
    expect((await outcomeRows()).map((r) => r.disposition)).to.deep.equal(['no_answer', 'complete']);
  });
});
