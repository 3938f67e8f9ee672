// Complaint texts, names and reports are written by citizens and officials: every page shows them as text.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { isAllowed } from '../../../server/features/auth/guard.js';
import { ROLES } from '../../../server/shared/http.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aWorld, usersPerRole, type World } from '../../helpers/builders-auth.js';
import { useTestDb } from '../../helpers/db.js';
import { fillPath, routesOf } from '../../helpers/route-paths.js';

const SCRIPT = '<script>alert(1)</script>';
const ATTR = '"onerror=alert(1)';
const IMG = '<img src=x onerror=alert(1)>';

/** Raw markup from the payloads; inside <script type="application/json"> the json helper writes \u003c and \". */
const RAW = [/<script>alert/i, /<img src=x onerror/i, /(?<!\\)"onerror=alert\(1\)/];

function containsPayload(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(SCRIPT) || value.includes(ATTR);
  if (value && typeof value === 'object') return Object.values(value).some(containsPayload);
  return false;
}

describe('escaping of complaint texts on every page', () => {
  const t = useTestDb();
  let server: RunningServer;
  let world: World;
  let users: Awaited<ReturnType<typeof usersPerRole>>;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
    users = await usersPerRole(t.db, 'kanpur-nagar', 'kn');
    world = await aWorld(
      t.db,
      'kanpur-nagar',
      {
        callerId: users.caller.id,
        officerUserId: users.session_officer.id,
        supervisorId: users.supervisor.id,
      },
      {
        complainantName: `राम ${SCRIPT}`,
        complaintText: `शिकायत ${ATTR} ${IMG}`,
        disposalReport: `आख्या ${SCRIPT} ${ATTR}`,
        tehsil: `सदर ${ATTR}`,
      },
    );
    await t
      .db('complaints')
      .where({ id: world.complaintId })
      .update({ subject: `विषय ${SCRIPT}`, address: `पता ${IMG}` });
    await t
      .db('officers')
      .where({ id: world.officerId })
      .update({ name: `अधिकारी ${SCRIPT}` });
    await t
      .db('report_flags')
      .where({ id: world.flagId })
      .update({ note: `टिप्पणी ${SCRIPT}` });
  });
  afterEach(async () => {
    await server.close();
  });

  it('renders the payloads as text on every GET page and as data in every JSON answer, for every role', async () => {
    const failures: string[] = [];
    const shownOn = new Set<string>();
    for (const role of ROLES) {
      const client = await new TestClient(server.url).signIn(users[role].username, users[role].password);
      for (const r of routesOf(server.app.features)) {
        if (r.route.method !== 'get' || !isAllowed(r.route.allow, role) || r.route.allow === 'public')
          continue;
        const { path } = fillPath(r.route, world, users.caller.id);
        const url = `${path}?session=${world.sessionId}&district=${world.districtId}`;
        const res = await client.request('GET', url, undefined, {
          accept: r.route.kind === 'json' ? 'application/json' : 'text/html',
        });
        if (res.status >= 500) failures.push(`${r.key} as ${role}: ${res.status}`);
        const type = res.headers.get('content-type') ?? '';
        if (type.includes('json')) {
          const data: unknown = res.json();
          if (res.text.includes('alert(1)') && !containsPayload(data))
            failures.push(`${r.key} as ${role}: the JSON changed the text instead of carrying it as data`);
          continue;
        }
        if (!type.includes('html')) continue;
        for (const raw of RAW)
          if (raw.test(res.text)) failures.push(`${r.key} as ${role}: raw ${raw} in the page`);
        if (res.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;')) shownOn.add(r.key);
      }
    }
    expect(failures, `\n  ${failures.join('\n  ')}\n`).to.deep.equal([]);
    // The test proves something only if some page did show the texts (the complaint detail at least, once it exists).
    if (routesOf(server.app.features).some((r) => r.key === 'get /complaints/:id'))
      expect([...shownOn], 'pages that showed the escaped payload').to.include('get /complaints/:id');
  });
});
