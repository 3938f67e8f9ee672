import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { sealAuditLog, verifyAuditChain } from '../../../server/features/audit/audit-log.js';
import { aUser, districtId } from '../../helpers/builders.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';

describe('admin user pages', () => {
  const t = useTestDb();
  let server: RunningServer;
  let admin: TestClient;
  let adminId: number;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
    const a = await aUser(t.db, { role: 'admin', districts: 'all' });
    adminId = a.id;
    admin = await new TestClient(server.url).signIn(a.username, a.password);
    await admin.getPage('/admin/users?lang=en');
  });
  afterEach(async () => {
    await server.close();
  });

  const form = (fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: admin.csrf! });
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return body;
  };
  const post = (c: TestClient, path: string, fields: Record<string, string | string[]>) =>
    c.request('POST', path, form(fields), { accept: 'text/html' });
  const lastAudit = async () =>
    (await t.db('audit_log').orderBy('id', 'desc').first()) as {
      action: string;
      user_id: number;
      before_state: string | null;
      after_state: string;
    };

  it('creates a user with several districts, audited without the password hash, who can then sign in', async () => {
    const res = await post(admin, '/admin/users', {
      username: 'Sdm.Bilhaur',
      displayName: 'SDM Bilhaur',
      role: 'session_officer',
      districts: ['kanpur-nagar', 'lucknow'],
      password: 'a-long-password',
    });
    expect(res.status).to.equal(303);
    const list = await admin.getPage('/admin/users');
    expect(list.text).to.contain('sdm.bilhaur').and.contain('kanpur-nagar, lucknow');
    const entry = await lastAudit();
    expect(entry.action).to.equal('user.created');
    expect(entry.user_id).to.equal(adminId);
    expect(entry.after_state).to.not.match(/argon2|password_hash|a-long-password/);
    expect(JSON.parse(entry.after_state)).to.include({ username: 'sdm.bilhaur', role: 'session_officer' });
    await new TestClient(server.url).signIn('sdm.bilhaur', 'a-long-password');
  });

  it('shows the form again with a clear message for a taken username, unknown district or short password', async () => {
    await aUser(t.db, { username: 'taken' });
    const base = { displayName: 'X', role: 'caller', districts: 'kanpur-nagar', password: 'a-long-password' };
    const dup = await post(admin, '/admin/users', { ...base, username: 'taken' });
    expect(dup.status).to.equal(409);
    expect(dup.text).to.contain('already taken');
    const bad = await post(admin, '/admin/users', { ...base, username: 'newone', districts: 'atlantis' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('Unknown district code: atlantis');
    const short = await post(admin, '/admin/users', { ...base, username: 'newone', password: 'short' });
    expect(short.status).to.equal(400);
    expect(short.text).to.contain('at least 10 characters');
    expect(await t.db('users').where({ username: 'newone' }).first()).to.equal(undefined);
  });

  it('changes role, scope and active, recording before and after', async () => {
    const u = await aUser(t.db, { role: 'caller', districts: ['kanpur-nagar'] });
    const res = await post(admin, `/admin/users/${u.id}`, {
      displayName: 'Changed',
      role: 'supervisor',
      districts: ['lucknow'],
    });
    expect(res.status).to.equal(303);
    const entry = await lastAudit();
    expect(entry.action).to.equal('user.changed');
    const before = JSON.parse(entry.before_state!);
    const after = JSON.parse(entry.after_state);
    expect(before).to.include({ role: 'caller', active: true });
    expect(before.districtIds).to.deep.equal([await districtId(t.db, 'kanpur-nagar')]);
    expect(after).to.include({ role: 'supervisor', active: false, displayName: 'Changed' });
    expect(after.districtIds).to.deep.equal([await districtId(t.db, 'lucknow')]);
    // Inactive now: the sign-in is refused.
    const c = new TestClient(server.url);
    await c.getPage('/login');
    const refused = await c.request(
      'POST',
      '/login',
      new URLSearchParams({ username: u.username, password: u.password, _csrf: c.csrf! }),
      { accept: 'text/html' },
    );
    expect(refused.status).to.equal(401);
    await sealAuditLog(t.db);
    expect(await verifyAuditChain(t.db)).to.include({ ok: true });
  });

  it('resets a password: the old one stops working, open sign-ins end, the log holds neither', async () => {
    const u = await aUser(t.db, { role: 'caller' });
    const before = await new TestClient(server.url).signIn(u.username, u.password);
    const res = await post(admin, `/admin/users/${u.id}/password`, { password: 'brand-new-password' });
    expect(res.status).to.equal(303);
    const entry = await lastAudit();
    expect(entry.action).to.equal('user.changed');
    expect(entry.after_state + entry.before_state)
      .to.not.contain('brand-new-password')
      .and.not.contain(u.password);
    expect((await before.getPage('/')).status, 'the old sign-in is over').to.equal(303);
    expect((await admin.getPage('/admin/users')).status, 'the admin is still signed in').to.equal(200);
    await new TestClient(server.url).signIn(u.username, 'brand-new-password');
    let failed = false;
    await new TestClient(server.url).signIn(u.username, u.password).catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it('does not let an admin demote or deactivate themself', async () => {
    const res = await post(admin, `/admin/users/${adminId}`, {
      displayName: 'Me',
      role: 'viewer',
      allDistricts: '1',
      active: '1',
    });
    expect(res.status).to.equal(400);
    expect((await t.db('users').where({ id: adminId }).first()).role).to.equal('admin');
  });

  it('refuses the user pages to every other role', async () => {
    for (const role of ['supervisor', 'session_officer', 'caller', 'viewer'] as const) {
      const u = await aUser(t.db, { role });
      const c = await new TestClient(server.url).signIn(u.username, u.password);
      expect((await c.getPage('/admin/users')).status, role).to.equal(403);
      const created = await c.request(
        'POST',
        '/admin/users',
        new URLSearchParams({
          _csrf: c.csrf!,
          username: 'sneaky',
          displayName: 'S',
          role: 'admin',
          allDistricts: '1',
          password: 'a-long-password',
        }),
        { accept: 'text/html' },
      );
      expect(created.status, role).to.equal(403);
    }
    expect(await t.db('users').where({ username: 'sneaky' }).first()).to.equal(undefined);
  });
});
