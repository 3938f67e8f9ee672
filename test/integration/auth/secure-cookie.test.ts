import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';

describe('session cookie behind an HTTPS proxy', () => {
  const t = useTestDb();
  let server: RunningServer;
  afterEach(async () => {
    await server.close();
  });

  const sessionCookie = async (headers: Record<string, string>) => {
    const res = await new TestClient(server.url).request('GET', '/login', undefined, {
      accept: 'text/html',
      ...headers,
    });
    return res.headers.getSetCookie().find((c) => c.startsWith('desk.sid='));
  };

  it('marks the cookie Secure when TRUST_PROXY=1 and the proxy says https', async () => {
    server = await startTestServer(testDeps(t.db, { config: { trustProxy: '1' } }));
    const cookie = await sessionCookie({ 'x-forwarded-proto': 'https' });
    expect(cookie)
      .to.match(/;\s*Secure/i)
      .and.match(/HttpOnly/i);
    // Plain HTTP on the office LAN still works (no Secure, or the browser would drop it).
    expect(await sessionCookie({})).to.not.match(/;\s*Secure/i);
  });

  it('ignores X-Forwarded-Proto from a client when no proxy is trusted', async () => {
    server = await startTestServer(testDeps(t.db, { config: { trustProxy: 'false' } }));
    expect(await sessionCookie({ 'x-forwarded-proto': 'https' })).to.not.match(/;\s*Secure/i);
  });
});
