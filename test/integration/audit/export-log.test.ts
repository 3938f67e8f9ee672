import { expect } from 'chai';
import { sealAuditLog, verifyAuditChain } from '../../../server/features/audit/audit-log.js';
import { recordExport } from '../../../server/features/audit/export-log.js';
import { useTestDb } from '../../helpers/db.js';

describe('export log', () => {
  const t = useTestDb();
  const supervisor = { id: 5, role: 'supervisor' as const, districtIds: [3] };

  it('records who exported what, with which filters and how many rows', async () => {
    await recordExport(t.db, supervisor, 'session-report.csv', { sessionId: 12 }, 55);
    await t.db.transaction((trx) =>
      recordExport(trx, supervisor, 'unsatisfied.xlsx', { from: '2026-11-01' }, 36),
    );
    const rows = await t.db('audit_log').where({ action: 'export.made' }).orderBy('id');
    expect(rows).to.have.length(2);
    expect(rows[0].user_id).to.equal(5);
    expect(JSON.parse(rows[0].after_state)).to.deep.include({
      what: 'session-report.csv',
      rows: 55,
      filters: { sessionId: 12 },
    });
    await sealAuditLog(t.db);
    expect(await verifyAuditChain(t.db)).to.include({ ok: true, entries: 2 });
  });

  it('refuses roles that may not take personal data out, and logs nothing', async () => {
    for (const role of ['admin', 'session_officer', 'caller', 'viewer'] as const) {
      let status = 0;
      await recordExport(t.db, { ...supervisor, role }, 'x.csv', {}, 1).catch(
        (e: { status: number }) => (status = e.status),
      );
      expect(status, role).to.equal(403);
    }
    expect(
      await t
        .db('audit_log')
        .count({ n: '*' })
        .first()
        .then((r) => Number(r!.n)),
    ).to.equal(0);
  });
});
