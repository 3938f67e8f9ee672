import { expect } from 'chai';
import { AuditLog, sealAuditLog } from '../../../server/features/audit/audit-log.js';
import { runScript } from '../../helpers/cli.js';
import { useTestDb } from '../../helpers/db.js';

describe('npm run audit:verify', () => {
  const t = useTestDb();

  beforeEach(async () => {
    const audit = new AuditLog();
    for (let i = 1; i <= 4; i++) {
      await t.db.transaction((trx) =>
        audit.record(trx, {
          userId: 7,
          action: 'outcome.recorded',
          entity: 'call_task',
          entityId: i,
          after: { verdict: 'satisfied' },
        }),
      );
    }
    await sealAuditLog(t.db);
  });

  it('says OK with the number of entries on an untouched log', async () => {
    const res = await runScript(t.db, 'audit-verify.ts');
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.contain('Audit log OK: 4 entries');
  });

  it('seals entries committed since the server last sealed before it checks', async () => {
    await t.db.transaction((trx) =>
      new AuditLog().record(trx, { userId: 7, action: 'outcome.recorded', entity: 'call_task', entityId: 5 }),
    );
    const res = await runScript(t.db, 'audit-verify.ts');
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.contain('Audit log OK: 5 entries');
  });

  it('names the tampered entry and exits 1 when one row was edited', async () => {
    await t.db('audit_log').where({ seq: 3 }).update({ after_state: '{"verdict":"unsatisfied"}' });
    const res = await runScript(t.db, 'audit-verify.ts');
    expect(res.code).to.equal(1);
    expect(res.stderr).to.contain('BROKEN at entry 3').and.contain('edited').and.contain('outcome.recorded');
  });

  it('notices a deleted row', async () => {
    await t.db('audit_log').where({ seq: 2 }).del();
    const res = await runScript(t.db, 'audit-verify.ts');
    expect(res.code).to.equal(1);
    expect(res.stderr).to.contain('BROKEN at entry 2').and.contain('missing');
  });
});
