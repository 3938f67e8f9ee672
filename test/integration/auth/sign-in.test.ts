import { expect } from 'chai';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';
import { aUser } from '../../helpers/builders.js';
import type { RunningServer } from '../../../server/http-server.js';

describe('sign-in', () => {
  const t = useTestDb();
  let server: RunningServer;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db, { config: { loginAttempts: 3 } }));
  });
  afterEach(async () => {
    await server.close();
  });

  it('signs in with the right password and keeps the session in the database', async () => {
    const u = await aUser(t.db, { role: 'caller' });
    const client = await new TestClient(server.url).signIn(u.username, u.password);
    expect((await client.getPage('/')).status).to.equal(200);
    const sessions = await t.db('web_sessions').count({ n: '*' }).first();
    expect(Number(sessions!.n)).to.be.greaterThan(0);
  });

  it('refuses a wrong password with a message in the user’s language', async () => {
    const u = await aUser(t.db);
    const client = new TestClient(server.url);
    await client.getPage('/login?lang=en');
    const res = await client.request(
      'POST',
      '/login',
      new URLSearchParams({ username: u.username, password: 'wrong', _csrf: client.csrf! }),
      { accept: 'text/html' },
    );
    expect(res.status).to.equal(401);
    expect(res.text).to.contain('The username or password is not right');
  });

  it('refuses a form without the CSRF token', async () => {
    const u = await aUser(t.db);
    const client = new TestClient(server.url);
    await client.getPage('/login');
    const res = await client.request(
      'POST',
      '/login',
      new URLSearchParams({ username: u.username, password: u.password }),
      { accept: 'text/html', 'x-csrf-token': '' },
    );
    expect(res.status).to.equal(403);
  });

  it('limits repeated attempts for one user name', async () => {
    const u = await aUser(t.db);
    const client = new TestClient(server.url);
    await client.getPage('/login');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await client.request(
        'POST',
        '/login',
        new URLSearchParams({ username: u.username, password: 'wrong', _csrf: client.csrf! }),
        { accept: 'text/html' },
      );
      statuses.push(res.status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 429]);
  });

  it('signs out and forgets the session', async () => {
    const u = await aUser(t.db);
    const client = await new TestClient(server.url).signIn(u.username, u.password);
    const out = await client.request('POST', '/logout', new URLSearchParams({ _csrf: client.csrf! }), {
      accept: 'text/html',
    });
    expect(out.status).to.equal(303);
    expect((await client.getPage('/')).status).to.equal(303);
  });

  it('sets HttpOnly and SameSite on the session cookie', async () => {
    const client = new TestClient(server.url);
    const res = await client.getPage('/login');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('desk.sid='))!;
    expect(cookie).to.match(/HttpOnly/i);
    expect(cookie).to.match(/SameSite=Lax/i);
  });
});
