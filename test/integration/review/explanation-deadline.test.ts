// The explanation deadline follows the district office's setting, counted in whole days in Asia/Kolkata.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { putSetting } from '../../../server/shared/settings.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aComplaint, aUser, departmentId } from '../../helpers/builders.js';
import { aCallRecord, aFeedbackSession, anOfficer, aQueuedTask } from '../../helpers/builders-review.js';
import { useTestDb } from '../../helpers/db.js';

describe('explanation deadline setting', () => {
  const t = useTestDb();
  // 20:00 UTC on 22 Nov is 01:30 IST on 23 Nov: the days are counted from the Indian date.
  const clock = fixedClock('2026-11-22T20:00:00Z');
  let server: RunningServer;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db, { clock }));
  });
  afterEach(async () => {
    await server.close();
  });

  it('gives the number of days set by the administrator', async () => {
    await putSetting(t.db, 'review.explanation_days', 5);
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const caller = await aUser(t.db, { role: 'session_officer' });
    const sessionId = await aFeedbackSession(t.db, { callers: [caller.id] });
    const officerId = await anOfficer(t.db, await departmentId(t.db, 'revenue'));
    const complaint = await aComplaint(t.db, { officerId });
    const taskId = await aQueuedTask(t.db, sessionId, complaint.id, caller.id);
    const flagId = await aCallRecord(
      t.db,
      {
        taskId,
        userId: caller.id,
        attempts: [{ disposition: 'complete', aapor: '1.1' }],
        verdict: 'not_addressed',
      },
      clock,
    );
    const client = await new TestClient(server.url).signIn(supervisor.username, supervisor.password);
    const res = await client.post(`/api/review/flags/${flagId}/reject`, {
      reasonCodes: ['complainant_not_contacted'],
    });
    expect(res.status).to.equal(200);
    const demand = await t.db('explanation_demands').where({ id: res.json().demandId }).first();
    // 23 Nov IST + 5 days = end of 28 Nov IST = 2026-11-28 18:29:59.999 UTC.
    expect(String(demand.deadline_at)).to.match(/^2026-11-28[ T]18:29:59\.999/);
    expect(demand).to.include({ officer_id: officerId, status: 'demanded' });
  });
});
