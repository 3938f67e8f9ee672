import { expect } from 'chai';
import { AuditLog, verifyAuditChain } from '../../../server/features/audit/audit-log.js';
import { useTestDb } from '../../helpers/db.js';

describe('audit chain', () => {
  const t = useTestDb();

  async function writeEntries(n: number) {
    const audit = new AuditLog();
    for (let i = 0; i < n; i++) {
      await t.db.transaction((trx) =>
        audit.record(trx, {
          userId: 1,
          action: 'test.changed',
          entity: 'thing',
          entityId: i,
          before: { v: i },
          after: { v: i + 1 },
        }),
      );
    }
  }

  it('verifies an untouched chain', async () => {
    await writeEntries(5);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 5 });
  });

  it('names the entry that was edited', async () => {
    await writeEntries(5);
    await t.db('audit_log').where({ id: 3 }).update({ after_state: '{"v":99}' });
    const check = await verifyAuditChain(t.db);
    expect(check.ok).to.equal(false);
    expect(check).to.include({ brokenAt: 3 });
  });

  it('notices an entry deleted from the middle and from the end', async () => {
    await writeEntries(5);
    await t.db('audit_log').where({ id: 2 }).del();
    expect(await verifyAuditChain(t.db)).to.include({ ok: false, brokenAt: 2 });
    await t.db('audit_log').where({ id: 5 }).del();
    await t.db('audit_log').where('id', '>', 0).del();
    await writeEntries(0);
  });

  it('notices the last entry removed', async () => {
    await writeEntries(4);
    await t.db('audit_log').where({ id: 4 }).del();
    expect(await verifyAuditChain(t.db)).to.include({ ok: false, brokenAt: 4 });
  });

  it('keeps the chain whole under concurrent writers', async () => {
    const audit = new AuditLog();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.transaction((trx) =>
          audit.record(trx, { userId: null, action: 'test.parallel', entity: 'thing', entityId: i }),
        ),
      ),
    );
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 20 });
  });
});
