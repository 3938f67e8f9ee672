// Hostile strings through every search and filter of every GET route: a clear 2xx/4xx, never a 500, never rows outside scope.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { isAllowed } from '../../../server/features/auth/guard.js';
import { ROLES, type Role } from '../../../server/shared/http.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aComplaint } from '../../helpers/builders.js';
import { aWorld, usersPerRole, type World } from '../../helpers/builders-auth.js';
import { useTestDb } from '../../helpers/db.js';
import { fillPath, routesOf } from '../../helpers/route-paths.js';

const HOSTILE: Record<string, string> = {
  sqlOr: "' OR 1=1 --",
  sqlUnion: '1 UNION SELECT password_hash FROM users',
  likeAll: '%',
  likeOne: '_',
  backslash: '\\',
  quotes: `"'\`;`,
  nul: 'a\u0000b',
  rtl: '\u202eكنبور\u200f',
  emoji: '🙂𝕏',
  hindi: 'कानपुर नगर',
  long: `${'a'.repeat(10 * 1024)}क`,
  array: '[]',
  negative: '-1',
  huge: '99999999999999999999999',
};

/** The names search and filter parameters go by across the features. */
const PARAMS = [
  'q',
  'search',
  'filter',
  'status',
  'department',
  'district',
  'session',
  'source',
  'tehsil',
  'thana',
  'verdict',
  'from',
  'to',
  'page',
  'sort',
  'order',
  'limit',
  'ref',
  'reference',
];

describe('hostile strings in searches and filters', () => {
  const t = useTestDb();
  let server: RunningServer;
  let world: World;
  let users: Record<Role, { username: string; password: string; id: number }>;
  let outsideRef: string;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
    users = await usersPerRole(t.db, 'kanpur-nagar', 'kn');
    world = await aWorld(t.db, 'kanpur-nagar', {
      callerId: users.caller.id,
      officerUserId: users.session_officer.id,
      supervisorId: users.supervisor.id,
    });
    outsideRef = (await aComplaint(t.db, { district: 'lucknow', complainantName: 'लखनऊ वाला' })).referenceNo;
  });
  afterEach(async () => {
    await server.close();
  });

  /**
   * Every role sends every value in all parameters at once; the widest role (supervisor) also sends the sharpest
   * values in each parameter alone, so an early 400 on one parameter cannot hide a 500 on another.
   */
  const oneByOne = new Set<Role>(['supervisor']);
  const SHARPEST = new Set(['sqlOr', 'likeAll', 'nul', 'huge']);

  for (const role of ROLES) {
    it(`${role}: every GET route survives every hostile value in every filter`, async function () {
      this.timeout(180_000);
      const client = await new TestClient(server.url).signIn(users[role].username, users[role].password);
      const failures: string[] = [];
      for (const r of routesOf(server.app.features)) {
        if (r.route.method !== 'get' || r.route.allow === 'public' || !isAllowed(r.route.allow, role))
          continue;
        const { path } = fillPath(r.route, world, users.caller.id);
        const requests: Array<{ where: string; query: Record<string, string> }> = [];
        for (const [name, value] of Object.entries(HOSTILE)) {
          if (oneByOne.has(role) && SHARPEST.has(name))
            for (const p of PARAMS) requests.push({ where: `?${p}=${name}`, query: { [p]: value } });
          // The 10 KB value goes alone: twenty of them pass any server's URL limit.
          if (name !== 'long')
            requests.push({
              where: `?(all)=${name}`,
              query: Object.fromEntries(PARAMS.map((p) => [p, value])),
            });
          else requests.push({ where: `?q=long`, query: { q: value } });
        }
        for (let i = 0; i < requests.length; i += 16) {
          await Promise.all(
            requests.slice(i, i + 16).map(async ({ where, query }) => {
              const res = await client.request('GET', `${path}?${new URLSearchParams(query).toString()}`);
              if (res.status >= 500) failures.push(`${r.key} ${where}: ${res.status}`);
              else if (res.text.includes(outsideRef))
                failures.push(`${r.key} ${where}: shows a complaint outside the user's districts`);
            }),
          );
        }
      }
      expect(failures, `\n  ${failures.join('\n  ')}\n`).to.deep.equal([]);
    });
  }
});
