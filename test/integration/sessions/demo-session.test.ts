// The first start's demo: a drawn Kanpur Nagar session, 11 officers with 5 complaints each, none of their own department.
import { expect } from 'chai';
import { seedDemo } from '../../../server/features/complaints/demo-data.js';
import { seedDemoSession } from '../../../server/features/sessions/demo-session.js';
import { testDeps } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';

describe('demo session', () => {
  const t = useTestDb();

  it('is drawn and allocated evenly, with no officer given their own department', async function () {
    this.timeout(120_000);
    await seedDemo(t.db, { complaints: 2000, seed: 'demo-test' });
    const sessionId = await seedDemoSession(testDeps(t.db));
    const tasks = (await t
      .db('call_tasks as t')
      .join('complaints as c', 'c.id', 't.complaint_id')
      .join('users as u', 'u.id', 't.assigned_user_id')
      .where('t.session_id', sessionId)
      .select(
        't.assigned_user_id as userId',
        'c.department_id as complaintDept',
        'u.department_id as officerDept',
      )) as Array<{
      userId: number;
      complaintDept: number;
      officerDept: number | null;
    }>;
    expect(tasks).to.have.length(55);
    const perOfficer = new Map<number, number>();
    for (const task of tasks) perOfficer.set(task.userId, (perOfficer.get(task.userId) ?? 0) + 1);
    expect([...perOfficer.values()]).to.deep.equal(Array(11).fill(5));
    expect(tasks.filter((task) => task.complaintDept === task.officerDept)).to.deep.equal([]);
    expect(await t.db('sample_draws').where({ session_id: sessionId })).to.have.length(1);
  });
});
