// A rejected complaint that comes back from IGRS with a new disposal report is queued for a fresh call.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { queueReverification } from '../../../server/features/review/reverification.js';
import { fixedClock, nowDb } from '../../../server/shared/dates.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aComplaint, aUser } from '../../helpers/builders.js';
import { aCallRecord, aFeedbackSession, aQueuedTask } from '../../helpers/builders-review.js';
import { useTestDb } from '../../helpers/db.js';
import { ImportService } from '../../../server/features/complaints/import.service.js';
import { AuditLog } from '../../../server/features/audit/audit-log.js';
import { EventBus } from '../../../server/shared/events.js';
import { COLUMNS } from '../../../server/features/complaints/import/columns.js';
import { anExportRow, csvLine, writeTemp } from '../../unit/features/complaints/import/export-builders.js';

describe('re-verification of re-disposed complaints', () => {
  const t = useTestDb();
  const clock = fixedClock('2026-11-22T06:30:00Z');
  let server: RunningServer;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db, { clock }));
  });
  afterEach(async () => {
    await server.close();
  });

  /** A complaint called as unsatisfied in a session; rejected through the review endpoint when asked. */
  async function calledUnsatisfied(reject: boolean) {
    const officer = await aUser(t.db, { role: 'session_officer' });
    const sessionId = await aFeedbackSession(t.db, { callers: [officer.id] });
    const complaint = await aComplaint(t.db);
    const taskId = await aQueuedTask(t.db, sessionId, complaint.id, officer.id);
    const flagId = await aCallRecord(
      t.db,
      {
        taskId,
        userId: officer.id,
        attempts: [{ disposition: 'complete', aapor: '1.1' }],
        verdict: 'unsatisfied',
      },
      clock,
    );
    const client = await new TestClient(server.url).signIn(officer.username, officer.password);
    if (reject) {
      const res = await client.post(`/api/review/flags/${flagId}/reject`, {
        reasonCodes: ['action_not_taken'],
      });
      expect(res.status).to.equal(200);
    }
    return { officer, client, sessionId, complaint };
  }

  /** What the import does when a complaint's report changed: keep the old one, store the new, mark it re-disposed. */
  const redispose = (complaintId: number) =>
    t.db.transaction(async (trx) => {
      const old = await trx('complaints').where({ id: complaintId }).first('disposal_report', 'disposed_at');
      await trx('complaint_report_history').insert({
        complaint_id: complaintId,
        disposal_report: old.disposal_report,
        disposed_at: old.disposed_at,
        replaced_at: nowDb(clock),
      });
      await trx('complaints')
        .where({ id: complaintId })
        .update({ disposal_report: 'शिकायतकर्ता से मिलकर समस्या हल की गई', redisposed: true });
      return queueReverification(trx, complaintId, clock);
    });

  it('queues a call in the district’s re-verification session, once, and a caller can take it', async () => {
    const { officer, client, sessionId, complaint } = await calledUnsatisfied(true);
    const queued = await redispose(complaint.id);
    expect(queued).to.include({ created: true });
    const session = await t.db('feedback_sessions').where({ id: queued!.sessionId }).first();
    expect(session).to.include({ purpose: 'reverification', mode: 'pool', status: 'active' });
    expect(queued!.sessionId).to.not.equal(sessionId);
    const task = await t.db('call_tasks').where({ id: queued!.taskId }).first();
    expect(task).to.include({ complaint_id: complaint.id, status: 'queued', assigned_user_id: null });
    expect(
      await t.db('session_callers').where({ session_id: queued!.sessionId }).pluck('user_id'),
    ).to.deep.equal([officer.id]);
    expect(
      await t.db('audit_log').where({ action: 'reverification.queued' }).count({ n: '*' }).first(),
    ).to.deep.include({
      n: 1,
    });

    // A second re-disposal while the call is still waiting does not queue it twice.
    const again = await redispose(complaint.id);
    expect(again).to.deep.include({ taskId: queued!.taskId, created: false });
    expect(
      await t
        .db('call_tasks')
        .where({ complaint_id: complaint.id, status: 'queued' })
        .count({ n: '*' })
        .first(),
    ).to.deep.include({
      n: 1,
    });

    // The original session's caller picks it up from the queue.
    const next = (await client.post('/api/calls/next')).json<{ data: { task: { id: number } | null } }>();
    expect(next.data.task?.id).to.equal(queued!.taskId);
  });

  it('does nothing for a complaint whose report was not rejected', async () => {
    const { complaint } = await calledUnsatisfied(false);
    expect(await redispose(complaint.id)).to.equal(null);
    expect(
      await t.db('feedback_sessions').where({ purpose: 'reverification' }).count({ n: '*' }).first(),
    ).to.deep.include({
      n: 0,
    });
  });

  it('is queued by the import itself when a rejected complaint comes back with a new report', async () => {
    const { complaint } = await calledUnsatisfied(true);
    const events = new EventBus();
    const changed: number[] = [];
    events.on('task:changed', (e) => changed.push(e.taskId));
    const row = anExportRow({
      reference_no: complaint.referenceNo,
      district: 'Kanpur Nagar',
      department: 'Revenue',
      disposal_report: 'दोबारा जांच कर शिकायतकर्ता की उपस्थिति में कब्जा हटवाया गया।',
    });
    const file = writeTemp(
      'redisposed.csv',
      [csvLine(COLUMNS.map((c) => c.labelEn)), csvLine(COLUMNS.map((c) => String(row[c.key] ?? '')))].join(
        '\n',
      ),
    );
    const importer = new ImportService({ db: t.db, clock, audit: new AuditLog(clock), events });
    const summary = await importer.importFile({ filePath: file, fileName: 'redisposed.csv', userId: null });
    expect(summary).to.include({ updated: 1, redisposed: 1 });
    const task = await t
      .db('call_tasks as t')
      .join('feedback_sessions as s', 's.id', 't.session_id')
      .where({ 't.complaint_id': complaint.id, 's.purpose': 'reverification' })
      .first('t.id', 't.status');
    expect(task).to.include({ status: 'queued' });
    expect(changed).to.deep.equal([task.id]);
  });
});
