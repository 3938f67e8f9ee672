import { expect } from 'chai';
import { runScript } from '../../helpers/cli.js';
import { aUser, districtId } from '../../helpers/builders.js';
import { useTestDb } from '../../helpers/db.js';

describe('npm run user:create', () => {
  const t = useTestDb();

  it('creates the first admin for the whole state, audited', async () => {
    const res = await runScript(t.db, 'user-create.ts', [
      '--username',
      'Admin',
      '--name',
      'District Admin',
      '--role',
      'admin',
      '--districts',
      'all',
      '--password',
      'first-admin-pass',
    ]);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.contain('Created user');
    const row = await t.db('users').where({ username: 'admin' }).first();
    expect(row).to.include({ role: 'admin', display_name: 'District Admin' });
    expect(Boolean(row.all_districts)).to.equal(true);
    const audited = await t.db('audit_log').where({ action: 'user.created' }).count({ n: '*' }).first();
    expect(Number(audited!.n)).to.equal(1);
  });

  it('takes a list of districts, and the password from standard input when not given', async () => {
    const res = await runScript(
      t.db,
      'user-create.ts',
      [
        '--username',
        'adm2',
        '--name',
        'ADM',
        '--role',
        'session_officer',
        '--districts',
        'kanpur-nagar,lucknow',
      ],
      'piped-password-123\n',
    );
    expect(res.code, res.stderr).to.equal(0);
    const row = await t.db('users').where({ username: 'adm2' }).first();
    const districts = await t.db('user_districts').where({ user_id: row.id }).pluck('district_id');
    expect(districts.sort()).to.deep.equal(
      [await districtId(t.db, 'kanpur-nagar'), await districtId(t.db, 'lucknow')].sort(),
    );
  });

  it('explains an unknown role, an unknown district and a taken username, in both languages', async () => {
    const base = ['--name', 'X', '--password', 'long-enough-pass'];
    const role = await runScript(t.db, 'user-create.ts', [
      ...base,
      '--username',
      'x1',
      '--role',
      'boss',
      '--districts',
      'all',
    ]);
    expect(role.code).to.equal(2);
    expect(role.stderr).to.contain('"boss" is not a role').and.contain('भूमिका');
    const district = await runScript(t.db, 'user-create.ts', [
      ...base,
      '--username',
      'x1',
      '--role',
      'caller',
      '--districts',
      'kanpur-nagar,gotham',
    ]);
    expect(district.code).to.equal(2);
    expect(district.stderr).to.contain('Unknown district code: gotham');
    await aUser(t.db, { username: 'taken' });
    const dup = await runScript(t.db, 'user-create.ts', [
      ...base,
      '--username',
      'Taken',
      '--role',
      'caller',
      '--districts',
      'all',
    ]);
    expect(dup.code).to.equal(2);
    expect(dup.stderr).to.contain('"taken" is already taken');
    expect(await t.db('users').where({ username: 'x1' }).first()).to.equal(undefined);
  });
});
