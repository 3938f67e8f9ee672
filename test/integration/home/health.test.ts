import { expect } from 'chai';
import { engineOf } from '../../../server/db/knex.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';
import { aComplaint, aUser } from '../../helpers/builders.js';
import type { RunningServer } from '../../../server/http-server.js';

describe('health and home page', () => {
  const t = useTestDb();
  let server: RunningServer;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
  });
  afterEach(async () => {
    await server.close();
  });

  it('GET /healthz reports ok and the engine in use', async () => {
    const res = await new TestClient(server.url).get('/healthz');
    expect(res.status).to.equal(200);
    expect(res.json()).to.deep.equal({ status: 'ok', db: engineOf(t.db) });
  });

  it('sends a stranger to the sign-in page, in Hindi by default', async () => {
    const client = new TestClient(server.url);
    const res = await client.getPage('/');
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/login?next=%2F');
    const login = await client.getPage('/login');
    expect(login.text).to.contain('<html lang="hi">');
    expect(login.text).to.contain('लॉग इन करें');
  });

  it('switches to English and remembers it', async () => {
    const client = new TestClient(server.url);
    expect((await client.getPage('/login?lang=en')).text).to.contain('Sign in');
    expect((await client.getPage('/login')).text).to.contain('<html lang="en">');
  });

  it('shows the figures of the signed-in user’s district only', async () => {
    const u = await aUser(t.db, { role: 'supervisor', districts: ['kanpur-nagar'] });
    await aComplaint(t.db, { district: 'kanpur-nagar' });
    await aComplaint(t.db, { district: 'kanpur-nagar', status: 'pending', disposedAt: null });
    await aComplaint(t.db, { district: 'lucknow' });
    const client = await new TestClient(server.url).signIn(u.username, u.password);
    const home = await client.getPage('/?lang=en');
    expect(home.status).to.equal(200);
    const figure = (label: string) =>
      new RegExp(`stat-value">([^<]+)</span><span class="stat-label">${label}`).exec(home.text)?.[1];
    expect(figure('Complaints')).to.equal('2');
    expect(figure('Disposed')).to.equal('1');
  });

  it('answers 503 with the reason when the database is gone', async () => {
    const { createDb } = await import('../../../server/db/knex.js');
    const { testDatabaseConfig } = await import('../../helpers/db.js');
    // A database handle that has been closed fails every query at once, like an unreachable server.
    const gone = createDb(testDatabaseConfig());
    await gone.destroy();
    const { createHomeFeature } = await import('../../../server/features/home/index.js');
    const health = createHomeFeature(gone, () => []).routes.find((r) => r.path === '/healthz')!;
    const handler = health.handler as (req: unknown, res: unknown, next: (e?: unknown) => void) => void;
    const result = await new Promise<{ status: number; body: { status: string; reason: string } }>(
      (resolve, reject) => {
        let status = 200;
        const res = {
          status(s: number) {
            status = s;
            return res;
          },
          json(body: { status: string; reason: string }) {
            resolve({ status, body });
          },
        };
        handler({}, res, reject);
      },
    );
    expect(result.status).to.equal(503);
    expect(result.body.status).to.equal('unavailable');
    expect(result.body.reason).to.be.a('string').and.not.equal('');
  });
});
