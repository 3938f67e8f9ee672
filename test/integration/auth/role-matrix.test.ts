// The role matrix: every route of every feature's table, as every role and as a stranger, allowed or refused as declared.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { isAllowed } from '../../../server/features/auth/guard.js';
import { ROLES, type Role, type RouteDef } from '../../../server/shared/http.js';
import { startTestServer, testDeps, TestClient, type Reply } from '../../helpers/app.js';
import { aWorld, usersPerRole, type Signed, type World } from '../../helpers/builders-auth.js';
import { useTestDb } from '../../helpers/db.js';
import { fillPath } from '../../helpers/route-paths.js';

type Who = Role | 'anonymous';

/** The only routes open without a session: sign-in, the health check, and requests signed by Twilio (skipCsrf). */
const PUBLIC_ROUTES = new Set(['get /login', 'post /login', 'get /healthz']);

/** Routes whose success for an allowed user is a redirect to the sign-in page. */
const SUCCESS_GOES_TO_LOGIN = new Set(['post /logout']);

/**
 * Routes that answer an allowed role with 403 for a reason other than the role (e.g. "not your task"), with the
 * reason. Keep this short; each entry is named in the final report.
 */
const NOT_ROLE_REFUSALS: Record<string, { key: string; why: string }> = {
  'get /calls/tasks/:taskId': {
    key: 'calls.error.notYourTask',
    why: "a task opens only for the caller holding it; the test world's task is held by the caller",
  },
  // An outcome opens, and takes a correction, for supervisors and for the caller who recorded or corrected it; the
  // test world's outcome was recorded by the caller, so the session officer is told it is another caller's.
  ...Object.fromEntries(
    [
      'get /calls/outcomes/:outcomeId',
      'post /calls/outcomes/:outcomeId/correction',
      'get /api/outcomes/:outcomeId',
      'post /api/outcomes/:outcomeId/correction',
    ].map((key) => [
      key,
      {
        key: 'calls.error.outcomeNotYours',
        why: "an outcome opens for its own caller; the world's is the caller's",
      },
    ]),
  ),
};

interface Routed {
  feature: string;
  route: RouteDef;
  key: string;
}

function allRoutes(server: RunningServer): Routed[] {
  const list = server.app.features.flatMap((f) =>
    f.routes.map((route) => ({ feature: f.name, route, key: `${route.method} ${route.path}` })),
  );
  // Signing out last, so the client keeps its session for every other route.
  return [...list.filter((r) => r.key !== 'post /logout'), ...list.filter((r) => r.key === 'post /logout')];
}

/**
 * GETs also name the world's session and district (?session=&district=), as the pages' own links do: routes that
 * need a scope (the board) get one, and the rest ignore it. Other methods send an empty body: an allowed role then
 * gets a validation answer, which is enough to show the guard let it through.
 */
async function call(client: TestClient, route: RouteDef, path: string, world: World): Promise<Reply> {
  if (route.method !== 'get') return client.request(route.method.toUpperCase(), path, {});
  const sep = path.includes('?') ? '&' : '?';
  return client.request('GET', `${path}${sep}session=${world.sessionId}&district=${world.districtId}`);
}

const errorKey = (res: Reply): string | undefined => {
  try {
    return (res.json() as { error?: { key?: string } }).error?.key;
  } catch {
    return undefined;
  }
};
const toLogin = (res: Reply) =>
  [301, 302, 303, 307].includes(res.status) && (res.headers.get('location') ?? '').startsWith('/login');

/** Why a reply does not match what the table declares, or null when it does. */
function mismatch(who: Who, r: Routed, res: Reply): string | null {
  const { route, key } = r;
  const got = `${res.status}${res.headers.get('location') ? ` → ${res.headers.get('location')}` : ''}${errorKey(res) ? ` (${errorKey(res)})` : ''}`;
  if (res.status >= 500) return `answered ${got}: a server error`;
  const allowed = who === 'anonymous' ? route.allow === 'public' : isAllowed(route.allow, who);
  if (allowed) {
    if (SUCCESS_GOES_TO_LOGIN.has(key))
      return toLogin(res) ? null : `expected a redirect to /login, got ${got}`;
    if (res.status === 401 || toLogin(res)) return `allowed, but answered ${got}`;
    // A Twilio-signed route refuses an unsigned request with 403 whoever sends it: that is the signature check.
    if (res.status === 403 && !route.skipCsrf && NOT_ROLE_REFUSALS[key]?.key !== errorKey(res))
      return `allowed, but answered ${got}`;
    return null;
  }
  if (who === 'anonymous') {
    if (route.kind === 'page' && route.method === 'get')
      return toLogin(res) ? null : `a stranger should be sent to /login, got ${got}`;
    return res.status === 401 ? null : `a stranger should get 401, got ${got}`;
  }
  return res.status === 403 && errorKey(res) === 'error.forbidden'
    ? null
    : `refused role should get 403, got ${got}`;
}

describe('role matrix (every route × every role, from the route tables)', () => {
  const t = useTestDb();
  let server: RunningServer;
  let users: Record<Role, Signed>;
  let elsewhere: Record<Role, Signed>;
  let world: World;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db, { config: { loginAttempts: 1000 } }));
    users = await usersPerRole(t.db, 'kanpur-nagar', 'kn');
    elsewhere = await usersPerRole(t.db, 'lucknow', 'lko');
    world = await aWorld(t.db, 'kanpur-nagar', {
      callerId: users.caller.id,
      officerUserId: users.session_officer.id,
      supervisorId: users.supervisor.id,
    });
  });
  afterEach(async () => {
    await server.close();
  });

  const clientFor = async (who: Who, from = users) =>
    who === 'anonymous'
      ? new TestClient(server.url)
      : new TestClient(server.url).signIn(from[who].username, from[who].password);

  it('opens nothing without a session but sign-in, /healthz and Twilio-signed webhooks', () => {
    const open = allRoutes(server)
      .filter((r) => r.route.allow === 'public' && !r.route.skipCsrf && !PUBLIC_ROUTES.has(r.key))
      .map((r) => `${r.feature}: ${r.key}`);
    expect(open, 'public routes that are neither sign-in, health nor signed webhooks').to.deep.equal([]);
  });

  it('knows what every path parameter points at', () => {
    const unknown = allRoutes(server)
      .map((r) => ({ r, filled: fillPath(r.route, world, users.caller.id) }))
      .filter(({ filled }) => filled.unresolved.length)
      .map(({ r, filled }) => `${r.feature}: ${r.key} (:${filled.unresolved.join(', :')})`);
    expect(unknown, 'add these parameters to ENTITIES in test/helpers/route-paths.ts').to.deep.equal([]);
  });

  for (const who of [...ROLES, 'anonymous'] as Who[]) {
    it(`${who}: every route is allowed or refused as its table says`, async () => {
      const client = await clientFor(who);
      const failures: string[] = [];
      for (const r of allRoutes(server)) {
        const { path } = fillPath(r.route, world, users.caller.id);
        const res = await call(client, r.route, path, world);
        const why = mismatch(who, r, res);
        if (why) failures.push(`${r.feature}: ${r.key} [${path}] as ${who}: ${why}`);
      }
      expect(failures, `\n  ${failures.join('\n  ')}\n`).to.deep.equal([]);
    });
  }

  for (const role of ROLES) {
    it(`${role} scoped to another district: refused on district-bound routes, sees none of its rows in lists`, async () => {
      const client = await clientFor(role, elsewhere);
      const failures: string[] = [];
      for (const r of allRoutes(server)) {
        if (r.key === 'post /logout' || !isAllowed(r.route.allow, role) || r.route.allow === 'public')
          continue;
        const filled = fillPath(r.route, world, elsewhere.caller.id);
        const res = await call(client, r.route, filled.path, world);
        const got = `${res.status}${errorKey(res) ? ` (${errorKey(res)})` : ''}`;
        if (res.status >= 500) failures.push(`${r.feature}: ${r.key} [${filled.path}]: server error ${got}`);
        else if (filled.districtBound && r.route.method === 'get' && ![403, 404].includes(res.status))
          failures.push(
            `${r.feature}: ${r.key} [${filled.path}]: another district's row answered ${got}, expected 403/404`,
          );
        else if (filled.districtBound && r.route.method !== 'get' && (res.status < 400 || res.status === 401))
          failures.push(
            `${r.feature}: ${r.key} [${filled.path}]: a change to another district's row answered ${got}`,
          );
        else if (res.text.includes(world.referenceNo) || res.text.includes(world.mobile.slice(3)))
          failures.push(`${r.feature}: ${r.key} [${filled.path}]: shows a complaint of another district`);
      }
      expect(failures, `\n  ${failures.join('\n  ')}\n`).to.deep.equal([]);
    });
  }
});
