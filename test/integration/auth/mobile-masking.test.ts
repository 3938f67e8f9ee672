// Lists and reports show complainants' mobiles masked (98xxxxxx12); the full number is for the caller at dial time only.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { isAllowed } from '../../../server/features/auth/guard.js';
import { ROLES } from '../../../server/shared/http.js';
import { maskMobile } from '../../../server/shared/phones.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aComplaint } from '../../helpers/builders.js';
import { aWorld, usersPerRole, type World } from '../../helpers/builders-auth.js';
import { useTestDb } from '../../helpers/db.js';
import { routesOf } from '../../helpers/route-paths.js';

describe('mobile numbers in lists', () => {
  const t = useTestDb();
  let server: RunningServer;
  let world: World;
  let users: Awaited<ReturnType<typeof usersPerRole>>;
  const mobiles = ['+919876543212', '+918765432109', '+917654321098'];

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
      { mobile: mobiles[0] },
    );
    for (const mobile of mobiles.slice(1)) await aComplaint(t.db, { mobile });
  });
  afterEach(async () => {
    await server.close();
  });

  it('never puts a full number on a page without an id in its path (lists, boards, reports), for any role', async () => {
    const failures: string[] = [];
    let maskedSeen = 0;
    for (const role of ROLES) {
      const client = await new TestClient(server.url).signIn(users[role].username, users[role].password);
      for (const r of routesOf(server.app.features)) {
        const { route } = r;
        if (route.method !== 'get' || route.kind === 'file' || route.path.includes(':')) continue;
        if (route.allow === 'public' || !isAllowed(route.allow, role)) continue;
        const res = await client.request(
          'GET',
          `${route.path}?session=${world.sessionId}&district=${world.districtId}`,
          undefined,
          {
            accept: route.kind === 'json' ? 'application/json' : 'text/html',
          },
        );
        for (const m of mobiles) {
          if (res.text.includes(m.slice(3))) failures.push(`${r.key} as ${role} shows ${m} in full`);
          if (res.text.includes(maskMobile(m))) maskedSeen += 1;
        }
      }
    }
    expect(failures, `\n  ${failures.join('\n  ')}\n`).to.deep.equal([]);
    if (routesOf(server.app.features).some((r) => r.key === 'get /complaints'))
      expect(maskedSeen, 'the complaints list shows masked numbers').to.be.greaterThan(0);
  });
});
