// Replays the Kanpur Nagar session of seed 004 and checks the review loop and the session report's figures.
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { RunningServer } from '../../../server/http-server.js';
import { fixedClock } from '../../../server/shared/dates.js';
import type { DomainEvents } from '../../../server/shared/events.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aComplaint, aUser } from '../../helpers/builders.js';
import { aFeedbackSession, anOfficer, aQueuedTask, someDepartments } from '../../helpers/builders-review.js';
import { useTestDb } from '../../helpers/db.js';

/**
 * Seed 004: 11 officers × 5 complaints = 55 over 24 departments; 19 satisfied; 36 unsatisfied in 18 departments;
 * 32 reports rejected. Complaint i goes to department i % 24 (departments 0–6 get 3 complaints, 7–23 get 2).
 * It is unsatisfied when its department is one of 0–17 and i < 48: 2 × 18 = 36 complaints in exactly 18
 * departments; the other 19 are satisfied (departments 18–23 whole, and the third complaint of departments 0–6).
 */
const unsatisfied = (i: number) => i % 24 < 18 && i < 48;

describe('the Kanpur session of seed 004, replayed', () => {
  const t = useTestDb();
  const clock = fixedClock('2026-11-22T06:30:00Z'); // 12:00 IST on the session day
  let server: RunningServer;
  let events: Array<[keyof DomainEvents, unknown]>;

  beforeEach(async () => {
    clock.set('2026-11-22T06:30:00Z');
    const deps = testDeps(t.db, { clock });
    events = [];
    for (const name of ['flag:raised', 'flag:decided', 'explanation:changed'] as const)
      deps.events.on(name, (p) => events.push([name, p]));
    server = await startTestServer(deps);
  });
  afterEach(async () => {
    await server.close();
  });

  /**
   * Builds the session as allocation leaves it (queued tasks, each officer's own five), then every officer works
   * their queue through the call endpoints: POST /api/calls/next, POST /api/tasks/:taskId/outcome.
   */
  async function buildSession() {
    const departments = await someDepartments(t.db, 24);
    const officers: number[] = [];
    for (const d of departments) officers.push(await anOfficer(t.db, d.id));
    const callers = [];
    for (let k = 0; k < 11; k++)
      callers.push(await aUser(t.db, { role: 'session_officer', displayName: `ADM ${k + 1}` }));
    const sessionId = await aFeedbackSession(t.db, { callers: callers.map((c) => c.id) });
    const complaints: Array<{ id: number; referenceNo: string; taskId: number }> = [];
    const plan = new Map<number, string[]>(); // task id → the dispositions its attempts will end with, in order
    const verdictOf = new Map<number, string | undefined>();
    for (let i = 0; i < 55; i++) {
      const c = await aComplaint(t.db, {
        department: departments[i % 24]!.code,
        officerId: officers[i % 24]!,
      });
      const taskId = await aQueuedTask(t.db, sessionId, c.id, callers[Math.floor(i / 5)]!.id);
      // Five complainants answered only at the second attempt: each is still one complete interview.
      plan.set(taskId, i % 11 === 0 ? ['no_answer', 'complete'] : ['complete']);
      verdictOf.set(taskId, unsatisfied(i) ? (i % 4 === 0 ? 'not_addressed' : 'unsatisfied') : 'satisfied');
      complaints.push({ ...c, taskId });
    }
    // Three more cases of the first officer that yield no verdict: a refusal, a wrong number, three unanswered calls.
    for (const dispositions of [['refused'], ['wrong_number'], ['no_answer', 'no_answer', 'no_answer']]) {
      const c = await aComplaint(t.db, { department: departments[0]!.code, officerId: officers[0]! });
      plan.set(await aQueuedTask(t.db, sessionId, c.id, callers[0]!.id), dispositions);
    }

    const clients = await Promise.all(
      callers.map((c) => new TestClient(server.url).signIn(c.username, c.password)),
    );
    let key = 0;
    for (let round = 0; round < 40 && [...plan.values()].some((d) => d.length > 0); round++) {
      for (const client of clients) {
        for (;;) {
          const next = (await client.post('/api/calls/next')).json<{
            data: { task: { id: number } | null };
          }>();
          if (!next.data.task) break;
          const taskId = next.data.task.id;
          const disposition = plan.get(taskId)!.shift()!;
          const res = await client.post(`/api/tasks/${taskId}/outcome`, {
            idempotencyKey: `kanpur-${taskId}-${++key}`,
            disposition,
            ...(disposition === 'complete' ? { verdict: verdictOf.get(taskId) } : {}),
            answers: { contacted: verdictOf.get(taskId) === 'satisfied' ? 'yes' : 'no' },
            remarks: 'शिकायतकर्ता से बात हुई',
          });
          expect(res.status, `outcome of task ${taskId}: ${res.text}`).to.equal(201);
        }
      }
      // Retries come due later the same day or the next; move the clock on within calling hours.
      clock.advance({ hours: 1 });
      const ist = clock.now().setZone('Asia/Kolkata');
      if (ist.hour >= 18) clock.set(ist.plus({ days: 1 }).set({ hour: 9, minute: 30 }));
    }
    expect(
      [...plan.values()].every((d) => d.length === 0),
      'every planned attempt was made',
    ).to.equal(true);
    clock.set('2026-11-25T06:30:00Z'); // the review happens three days later, at 12:00 IST
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    return { sessionId, callers, complaints, officers, supervisor };
  }

  it('states exactly the press note’s figures after review and explanations', async () => {
    const s = await buildSession();
    const officer = await new TestClient(server.url).signIn(s.callers[0]!.username, s.callers[0]!.password);

    const flags = (await officer.get(`/api/review/flags?sessionId=${s.sessionId}`)).json<{
      flags: Array<{ id: number; complaintId: number; status: string }>;
    }>().flags;
    expect(flags).to.have.length(36);
    expect(flags.every((f) => f.status === 'open')).to.equal(true);

    // Rejecting without a reason is refused and changes nothing.
    const bad = await officer.post(`/api/review/flags/${flags[0]!.id}/reject`, { reasonCodes: [] });
    expect(bad.status).to.equal(400);
    expect(bad.json().error.key).to.equal('review.error.reasonRequired');
    const otherWithoutText = await officer.post(`/api/review/flags/${flags[0]!.id}/reject`, {
      reasonCodes: ['other'],
    });
    expect(otherWithoutText.json().error.key).to.equal('review.error.otherTextRequired');
    expect((await t.db('report_flags').where({ id: flags[0]!.id }).first()).status).to.equal('open');
    expect(await t.db('explanation_demands').count({ n: '*' }).first()).to.deep.include({ n: 0 });

    // 32 rejected (with varied reasons), 4 upheld.
    const reasons = [
      ['complainant_not_contacted', 'no_site_visit'],
      ['statement_missing'],
      ['action_not_taken'],
      ['false_or_copied'],
      ['wrong_department'],
    ];
    for (const [n, f] of flags.entries()) {
      const res =
        n < 32
          ? await officer.post(
              `/api/review/flags/${f.id}/reject`,
              n === 5
                ? { reasonCodes: ['other'], otherText: 'फोटो पुराने हैं', note: 'पुनः जाँच करें' }
                : { reasonCodes: reasons[n % reasons.length], note: 'शिकायतकर्ता से बात नहीं की गई' },
            )
          : await officer.post(`/api/review/flags/${f.id}/uphold`, {
              note: 'आख्या सही है; शिकायतकर्ता की अपेक्षा नियम से परे',
            });
      expect(res.status, `flag ${n}`).to.equal(200);
    }
    // Deciding a decided flag again is refused.
    const again = await officer.post(`/api/review/flags/${flags[0]!.id}/uphold`, { note: 'x' });
    expect(again.status).to.equal(409);

    // A satisfied complaint whose report reads as perfunctory: flagged by the officer, then upheld.
    const satisfiedOne = s.complaints[50]!;
    const perf = await officer.post(`/api/review/sessions/${s.sessionId}/flags`, {
      complaintId: satisfiedOne.id,
      note: 'आख्या में शिकायतकर्ता का बयान नहीं',
    });
    expect(perf.status).to.equal(200);
    const perfFlag = perf.json<{ flagId: number }>().flagId;
    expect(
      (await officer.post(`/api/review/flags/${perfFlag}/uphold`, { note: 'बयान बाद में संलग्न' })).status,
    ).to.equal(200);
    const notSatisfied = await officer.post(`/api/review/sessions/${s.sessionId}/flags`, {
      complaintId: s.complaints[1]!.id,
      note: 'x',
    });
    expect(notSatisfied.status).to.equal(409);

    // Explanations: 10 replies; 6 accepted, 2 not accepted, 2 awaiting a decision.
    const demands = (await officer.get(`/api/review/explanations?sessionId=${s.sessionId}`)).json<{
      explanations: Array<{ id: number; status: string; deadlineAt: string }>;
    }>().explanations;
    expect(demands).to.have.length(32);
    // Demanded at 12:00 IST on 25 Nov with 3 days: due by the end of 28 Nov IST = 18:29:59.999 UTC.
    expect(String(demands[0]!.deadlineAt)).to.match(/^2026-11-28[ T]18:29:59/);
    clock.set('2026-11-27T06:30:00Z');
    for (const d of demands.slice(0, 10)) {
      const r = await officer.post(`/api/review/explanations/${d.id}/reply`, {
        text: 'शिकायतकर्ता से पुनः संपर्क कर आख्या संशोधित की गई',
        receivedOn: '2026-11-27',
      });
      expect(r.status).to.equal(200);
    }
    for (const [n, d] of demands.slice(0, 8).entries()) {
      const r = await officer.post(
        `/api/review/explanations/${d.id}/decision`,
        n < 6 ? { accepted: true, note: '' } : { accepted: false, note: 'उत्तर संतोषजनक नहीं' },
      );
      expect(r.status).to.equal(200);
    }

    // Accepting twice, replying to a demand that does not exist, deciding before a reply: refused, nothing changed.
    const before = await t
      .db('explanation_demands')
      .orderBy('id')
      .select('id', 'status', 'decided_at', 'reply_text');
    const twice = await officer.post(`/api/review/explanations/${demands[0]!.id}/decision`, {
      accepted: true,
    });
    expect(twice.status).to.equal(409);
    expect(twice.json().error.key).to.equal('review.error.alreadyDecided');
    const never = await officer.post('/api/review/explanations/999999/reply', { text: 'उत्तर' });
    expect(never.status).to.equal(404);
    expect(never.json().error.key).to.equal('review.error.noDemand');
    const early = await officer.post(`/api/review/explanations/${demands[20]!.id}/decision`, {
      accepted: true,
    });
    expect(early.json().error.key).to.equal('review.error.noReplyYet');
    const replyAgain = await officer.post(`/api/review/explanations/${demands[0]!.id}/reply`, {
      text: 'दूसरा उत्तर',
    });
    expect(replyAgain.status).to.equal(409);
    expect(
      await t.db('explanation_demands').orderBy('id').select('id', 'status', 'decided_at', 'reply_text'),
    ).to.deep.equal(before);

    // Past the deadline, the 22 demands never answered are overdue.
    clock.set('2026-11-29T06:30:00Z');
    const overdue = (await officer.get('/api/review/explanations/overdue')).json<{
      explanations: unknown[];
    }>();
    expect(overdue.explanations).to.have.length(22);

    const viewer = await aUser(t.db, { role: 'viewer' });
    const reader = await new TestClient(server.url).signIn(viewer.username, viewer.password);
    const report = (await reader.get(`/api/reports/sessions/${s.sessionId}`)).json();
    expect(report.figures).to.deep.include({
      officers: 11,
      complaintsChecked: 55,
      departmentsCovered: 24,
      satisfied: 19,
      partlySatisfied: 0,
      unsatisfied: 36,
      unsatisfiedDepartments: 18,
      reportsRejected: 32,
      explanationsDemanded: 32,
      explanationsReceived: 10,
      explanationsAccepted: 6,
      explanationsOverdue: 22,
    });
    // Wilson 95% for 19 of 55, by bisection on (p − x/n)² = z²p(1−p)/n in python3: [0.233627, 0.477461].
    expect(report.figures.satisfiedShare).to.be.closeTo(19 / 55, 1e-9);
    expect(report.figures.satisfiedInterval.low).to.be.closeTo(0.233627, 1e-6);
    expect(report.figures.satisfiedInterval.high).to.be.closeTo(0.477461, 1e-6);
    // Department 0 had complaints 0, 24 (unsatisfied) and 48 (satisfied): 1 of 3, Wilson [0.061492, 0.792340].
    const dept0 = report.departments.find(
      (d: { calls: number; satisfied: number; unsatisfied: number }) =>
        d.calls === 3 && d.satisfied === 1 && d.unsatisfied === 2,
    );
    expect(dept0.interval.low).to.be.closeTo(0.061492, 1e-6);
    expect(dept0.interval.high).to.be.closeTo(0.79234, 1e-6);
    expect(report.departments).to.have.length(24);
    expect(report.departments.reduce((n: number, d: { rejected: number }) => n + d.rejected, 0)).to.equal(32);
    expect(report.officers).to.have.length(11);
    expect(report.officers.every((o: { calls: number }) => o.calls === 5)).to.equal(true);
    // AAPOR over 58 cases: 55 complete (I), 1 refusal (R), 1 wrong number (not eligible), 1 never answered (3.13, U).
    // By hand: denominator 55 + 1 + 1 = 57; RR1 = 55/57 = 0.964912, CON1 = 56/57 = 0.982456, REF1 = 1/57 = 0.017544.
    expect(report.aapor.cases).to.equal(58);
    expect(report.aapor.rr1).to.be.closeTo(0.964912, 1e-6);
    expect(report.aapor.con1).to.be.closeTo(0.982456, 1e-6);
    expect(report.aapor.ref1).to.be.closeTo(0.017544, 1e-6);

    // The printable report in Hindi states the figures in words.
    const page = await reader.getPage(`/reports/sessions/${s.sessionId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('11 अधिकारियों ने 24 विभागों की 55 शिकायतों');
    expect(page.text).to.contain('19 शिकायतकर्ता संतुष्ट एवं 36 असंतुष्ट');
    expect(page.text).to.contain('18 विभागों');
    expect(page.text).to.contain('32 निस्तारण आख्याएँ अस्वीकृत');
    const english = await reader.getPage(`/reports/sessions/${s.sessionId}?lang=en`);
    expect(english.text).to.contain('11 officers took part and checked 55 complaints from 24 departments');

    // XLSX and CSV carry the same figures.
    const xlsx = await fetch(`${server.url}/reports/sessions/${s.sessionId}/report.xlsx`, {
      headers: { cookie: cookieOf(reader) },
    });
    expect(xlsx.status).to.equal(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    const values = book.worksheets[0]!.getSheetValues()
      .flat()
      .filter((v) => v !== undefined && v !== null);
    expect(values).to.include.members(['Complaints checked', 55, 'Reports rejected', 32]);
    const csv = await reader.get(`/reports/sessions/${s.sessionId}/report.csv`);
    expect(csv.text).to.contain('Unsatisfied,36');
    expect(csv.text).to.contain('Departments with unsatisfied complainants,18');

    // One letter per officer: department 1's officer answers for complaints 1 and 25 (both rejected).
    const letter = await officer.getPage(`/review/sessions/${s.sessionId}/letters/${s.officers[1]}?in=hi`);
    expect(letter.status).to.equal(200);
    expect(letter.text).to.contain('कार्यालय जिलाधिकारी, कानपुर नगर');
    expect(letter.text).to.contain(s.complaints[1]!.referenceNo);
    expect(letter.text).to.contain(s.complaints[25]!.referenceNo);
    expect(letter.text).to.contain('28 नवंबर 2026');
    const letterEn = await officer.getPage(`/review/sessions/${s.sessionId}/letters/${s.officers[1]}?in=en`);
    expect(letterEn.text).to.contain('Office of the District Magistrate, Kanpur Nagar');

    // The re-opening list: supervisors only, 32 rows, audited.
    expect((await officer.get(`/review/reopening.csv?sessionId=${s.sessionId}`)).status).to.equal(403);
    const sup = await new TestClient(server.url).signIn(s.supervisor.username, s.supervisor.password);
    const reopen = await sup.get(`/review/reopening.csv?sessionId=${s.sessionId}`);
    expect(reopen.status).to.equal(200);
    expect(reopen.text.trim().split('\n')).to.have.length(33);
    expect(reopen.text).to.contain('शिकायत संख्या');
    expect(
      await t.db('audit_log').where({ action: 'export.reopening' }).count({ n: '*' }).first(),
    ).to.deep.include({ n: 1 });

    // Every decision is in the audit log and went out as an event after its commit.
    expect(
      await t.db('audit_log').where({ action: 'report.rejected' }).count({ n: '*' }).first(),
    ).to.deep.include({ n: 32 });
    expect(events.filter(([n]) => n === 'flag:decided')).to.have.length(37);
    expect(events.filter(([n]) => n === 'flag:raised')).to.have.length(36 + 1); // 36 verdicts, 1 perfunctory
    expect(events.filter(([n]) => n === 'explanation:changed')).to.have.length(32 + 10 + 8);
  });

  it('keeps review to the session’s own officers, supervisors and admins', async () => {
    const s = await buildSession();
    const [flag] = await t.db('report_flags').where({ session_id: s.sessionId }).select('id');
    const stranger = await aUser(t.db, { role: 'session_officer' });
    const other = await new TestClient(server.url).signIn(stranger.username, stranger.password);
    const refused = await other.post(`/api/review/flags/${flag.id}/reject`, {
      reasonCodes: ['no_site_visit'],
    });
    expect(refused.status).to.equal(403);
    expect(refused.json().error.key).to.equal('review.error.notYourSession');
    const viewer = await aUser(t.db, { role: 'viewer' });
    const reader = await new TestClient(server.url).signIn(viewer.username, viewer.password);
    expect(
      (await reader.post(`/api/review/flags/${flag.id}/reject`, { reasonCodes: ['no_site_visit'] })).status,
    ).to.equal(403);
    const outside = await aUser(t.db, { role: 'supervisor', districts: ['agra'] });
    const far = await new TestClient(server.url).signIn(outside.username, outside.password);
    expect(
      (await far.post(`/api/review/flags/${flag.id}/reject`, { reasonCodes: ['no_site_visit'] })).status,
    ).to.equal(404);
    expect((await t.db('report_flags').where({ id: flag.id }).first()).status).to.equal('open');
  });

  it('works through the pages and forms a session officer uses', async () => {
    const s = await buildSession();
    const officer = await new TestClient(server.url).signIn(s.callers[0]!.username, s.callers[0]!.password);
    const list = await officer.getPage(`/review?sessionId=${s.sessionId}&status=open`);
    expect(list.status).to.equal(200);
    expect(list.text).to.contain(s.complaints[0]!.referenceNo);
    // A satisfied complaint is offered for flagging as perfunctory, and the form raises the flag.
    const sessionPage = await officer.getPage(`/review?sessionId=${s.sessionId}`);
    expect(sessionPage.text).to.contain(s.complaints[50]!.referenceNo);
    const perf = await officer.request(
      'POST',
      `/review/sessions/${s.sessionId}/flags`,
      new URLSearchParams({
        _csrf: officer.csrf!,
        complaintId: String(s.complaints[50]!.id),
        note: 'बयान नहीं',
      }),
      { accept: 'text/html' },
    );
    expect(perf.status).to.equal(303);
    expect(await t.db('report_flags').where({ complaint_id: s.complaints[50]!.id }).first()).to.include({
      reason: 'perfunctory',
    });
    const [flag] = await t.db('report_flags').where({ session_id: s.sessionId }).orderBy('id').select('id');
    const page = await officer.getPage(`/review/flags/${flag.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('स्थलीय निरीक्षण नहीं किया गया');
    const form = new URLSearchParams([
      ['_csrf', officer.csrf!],
      ['reasonCodes', 'no_site_visit'],
      ['reasonCodes', 'statement_missing'],
      ['note', 'फोटो नहीं'],
    ]);
    const posted = await officer.request('POST', `/review/flags/${flag.id}/reject`, form, {
      accept: 'text/html',
    });
    expect(posted.status).to.equal(303);
    const decided = await officer.getPage(`/review/flags/${flag.id}`);
    expect(decided.text).to.contain('अस्वीकृत');
    const explanations = await officer.getPage('/review/explanations');
    expect(explanations.status).to.equal(200);
    const [demand] = await t.db('explanation_demands').select('id');
    expect((await officer.getPage(`/review/explanations/${demand.id}`)).status).to.equal(200);
    const reply = await officer.request(
      'POST',
      `/review/explanations/${demand.id}/reply`,
      new URLSearchParams({ _csrf: officer.csrf!, text: 'उत्तर प्राप्त', receivedOn: '' }),
      { accept: 'text/html' },
    );
    expect(reply.status).to.equal(303);
    expect((await t.db('explanation_demands').where({ id: demand.id }).first()).status).to.equal('replied');
    expect((await officer.getPage('/reports')).status).to.equal(200);
    const district = (await t.db('feedback_sessions').where({ id: s.sessionId }).first()).district_id;
    const trends = await officer.getPage(`/reports/trends?districtId=${district}`);
    expect(trends.status).to.equal(200);
    expect(trends.text).to.contain('trends-data');
    const api = (await officer.get(`/api/reports/trends?districtId=${district}`)).json();
    expect(api.sessions).to.have.length(1);
    expect(api.series).to.have.length(24);
  });
});

function cookieOf(client: TestClient): string {
  return (client as unknown as { cookieHeader(): string }).cookieHeader();
}
