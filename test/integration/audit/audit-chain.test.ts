// The audit chain against a real database: sealing after commit, and every kind of tampering noticed.
import { expect } from 'chai';
import {
  AuditLog,
  sealAuditLog,
  startAuditSealer,
  verifyAuditChain,
} from '../../../server/features/audit/audit-log.js';
import { engineOf } from '../../../server/db/knex.js';
import { startTestServer, testDeps } from '../../helpers/app.js';
import { scratchDatabase, useTestDb } from '../../helpers/db.js';
import { migrateLatest } from '../../../server/db/migrate.js';

describe('audit chain', () => {
  const t = useTestDb();
  const audit = new AuditLog();

  const entry = (i: number) => ({
    userId: 1,
    action: 'test.changed',
    entity: 'thing',
    entityId: i,
    before: { v: i },
    after: { v: i + 1 },
  });

  async function writeEntries(n: number) {
    for (let i = 0; i < n; i++) await t.db.transaction((trx) => audit.record(trx, entry(i)));
  }

  async function sealedCheck() {
    await sealAuditLog(t.db);
    return verifyAuditChain(t.db);
  }

  it('verifies an untouched chain', async () => {
    await writeEntries(5);
    expect(await sealedCheck()).to.deep.equal({ ok: true, entries: 5, unsealed: 0 });
  });

  it('leaves committed entries out of the chain until they are sealed, and seals each once', async () => {
    await writeEntries(3);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 0, unsealed: 3 });
    expect(await sealAuditLog(t.db)).to.equal(3);
    expect(await sealAuditLog(t.db)).to.equal(0);
    await writeEntries(2);
    expect(await sealAuditLog(t.db)).to.equal(2);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 5, unsealed: 0 });
    const seqs = (await t.db('audit_log').orderBy('id').pluck('seq')) as number[];
    expect(seqs).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('seals more entries than one batch holds', async () => {
    const rows = Array.from({ length: 1203 }, (_, i) => ({
      at: '2026-11-22 10:00:00.000',
      user_id: null,
      action: 'test.bulk',
      entity: 'thing',
      entity_id: String(i),
    }));
    for (let i = 0; i < rows.length; i += 200) await t.db('audit_log').insert(rows.slice(i, i + 200));
    expect(await sealAuditLog(t.db)).to.equal(1203);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 1203, unsealed: 0 });
  });

  it('names the entry that was edited', async () => {
    await writeEntries(5);
    await sealAuditLog(t.db);
    await t.db('audit_log').where({ seq: 3 }).update({ after_state: '{"v":99}' });
    const check = await verifyAuditChain(t.db);
    expect(check.ok).to.equal(false);
    expect(check).to.include({ brokenAt: 3 });
  });

  it('notices an entry deleted from the middle, and one taken out of the chain to be edited', async () => {
    await writeEntries(5);
    await sealAuditLog(t.db);
    await t.db('audit_log').where({ seq: 2 }).del();
    expect(await sealedCheck()).to.include({ ok: false, brokenAt: 2 });
    // Clearing an entry's place to have it sealed again, edited, leaves a hole where it was.
    await t
      .db('audit_log')
      .where({ seq: 4 })
      .update({ seq: null, prev_hash: null, hash: null, after_state: '{}' });
    await t.db('audit_log').insert({
      at: '2026-11-22 10:00:00.000',
      action: 'test.forged',
      entity: 'thing',
      seq: 2,
      prev_hash: '0'.repeat(64),
      hash: '0'.repeat(64),
    });
    const check = await sealedCheck();
    expect(check.ok).to.equal(false);
  });

  it('notices the last entry removed', async () => {
    await writeEntries(4);
    await sealAuditLog(t.db);
    await t.db('audit_log').where({ seq: 4 }).del();
    expect(await verifyAuditChain(t.db)).to.include({ ok: false, brokenAt: 4 });
  });

  it('keeps the chain whole under concurrent writers and concurrent sealers', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.db.transaction((trx) => audit.record(trx, entry(i)))),
    );
    const sealed = await Promise.all([sealAuditLog(t.db), sealAuditLog(t.db), sealAuditLog(t.db)]);
    await sealAuditLog(t.db); // a sealer that found the head taken leaves its share to the next round
    expect(sealed.reduce((a, b) => a + b, 0)).to.be.at.most(20);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 20, unsealed: 0 });
  });

  it('leaves no trace of a transaction rolled back after writing its entry', async () => {
    await writeEntries(2);
    await t.db
      .transaction(async (trx) => {
        await audit.record(trx, entry(99));
        throw new Error('changed my mind');
      })
      .catch(() => undefined);
    await writeEntries(2);
    expect(await sealedCheck()).to.deep.equal({ ok: true, entries: 4, unsealed: 0 });
  });

  it('chains an entry that commits after a later one was sealed at the next place (MySQL/MariaDB)', async function () {
    // SQLite has one writer at a time, so an entry cannot stay uncommitted while another commits.
    if (engineOf(t.db) !== 'mysql') this.skip();
    const slow = await t.db.transaction();
    const slowId = await audit.record(slow, entry(1));
    await writeEntries(1);
    expect(await sealAuditLog(t.db)).to.equal(1);
    await slow.commit();
    expect(await sealAuditLog(t.db)).to.equal(1);
    const slowRow = (await t.db('audit_log').where({ id: slowId }).first('seq')) as { seq: number };
    expect(slowRow.seq).to.equal(2);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 2, unsealed: 0 });
  });

  it('is sealed by the running server, and what is left when it stops is sealed on the way out', async () => {
    const server = await startTestServer(testDeps(t.db, { config: { auditSealMs: 60_000 } }));
    await writeEntries(3);
    expect(await verifyAuditChain(t.db)).to.include({ entries: 0, unsealed: 3 });
    await server.close();
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, entries: 3, unsealed: 0 });
  });

  it('keeps sealing after a failed round', async function () {
    this.timeout(60_000);
    // A sealer started on a database that is not migrated yet fails its rounds, then seals once it is.
    const scratch = await scratchDatabase('sealer');
    const errors: unknown[] = [];
    const sealer = startAuditSealer(scratch.db, 20, (err) => errors.push(err));
    try {
      while (errors.length === 0) await new Promise((r) => setTimeout(r, 20));
      await migrateLatest(scratch.db);
      await scratch.db.transaction((trx) => audit.record(trx, entry(1)));
      for (let waited = 0; waited < 30_000; waited += 20) {
        if ((await verifyAuditChain(scratch.db)).entries === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await verifyAuditChain(scratch.db)).to.deep.equal({ ok: true, entries: 1, unsealed: 0 });
    } finally {
      await sealer.stop();
      await scratch.drop();
    }
  });
});
