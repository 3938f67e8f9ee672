// The socket half of the role matrix: every role (and a stranger) trying to join each kind of board room.
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { BOARD_ROLES } from '../../../server/features/board/board.access.js';
import type { BoardScope } from '../../../server/features/board/board.events.js';
import { ROLES, type Role } from '../../../server/shared/http.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { connectBoard, cookieOf, joinBoard } from '../../helpers/board-client.js';
import { aUser, districtId } from '../../helpers/builders.js';
import { aWorld, usersPerRole, type Signed, type World } from '../../helpers/builders-auth.js';
import { useTestDb } from '../../helpers/db.js';

describe('role matrix for socket rooms (board)', () => {
  const t = useTestDb();
  let server: RunningServer;
  let users: Record<Role, Signed>;
  let world: World;
  let lucknow: number;

  beforeEach(async () => {
    server = await startTestServer(testDeps(t.db));
    users = await usersPerRole(t.db, 'kanpur-nagar', 'kn');
    world = await aWorld(t.db, 'kanpur-nagar', {
      callerId: users.caller.id,
      officerUserId: users.session_officer.id,
      supervisorId: users.supervisor.id,
    });
    lucknow = await districtId(t.db, 'lucknow');
  });
  afterEach(async () => {
    await server.close();
  });

  it('refuses a socket without a session', async () => {
    const refused = await connectBoard(server.url, '').then(
      (s) => (s.close(), null),
      (err: Error) => err.message,
    );
    expect(refused).to.equal('board.error.signInRequired');
  });

  it('lets each role join only the rooms its role and districts allow', async () => {
    const stateWide = await aUser(t.db, {
      role: 'supervisor',
      districts: 'all',
      username: 'state-supervisor',
    });
    const subjects: Array<{ label: string; role: Role; login: Signed; all: boolean }> = [
      ...ROLES.map((role) => ({ label: `${role} (kanpur-nagar)`, role, login: users[role], all: false })),
      { label: 'supervisor (whole state)', role: 'supervisor', login: stateWide, all: true },
    ];
    const rooms: Array<{ label: string; scope: BoardScope; mine: boolean; state?: boolean }> = [
      {
        label: `session:${world.sessionId} (kanpur-nagar)`,
        scope: { sessionId: world.sessionId },
        mine: true,
      },
      { label: 'district kanpur-nagar', scope: { districtId: world.districtId }, mine: true },
      { label: 'district lucknow', scope: { districtId: lucknow }, mine: false },
      { label: 'state', scope: {}, mine: false, state: true },
    ];
    const failures: string[] = [];
    for (const s of subjects) {
      const client = await new TestClient(server.url).signIn(s.login.username, s.login.password);
      const socket = await connectBoard(server.url, cookieOf(client));
      try {
        for (const room of rooms) {
          const reply = await joinBoard(socket, room.scope);
          const allowed = BOARD_ROLES.includes(s.role) && (s.all || room.mine);
          const got = 'data' in reply ? 'joined' : `refused (${reply.error.key})`;
          if (allowed !== 'data' in reply)
            failures.push(
              `${s.label} joining ${room.label}: expected ${allowed ? 'joined' : 'refused'}, got ${got}`,
            );
        }
      } finally {
        socket.close();
      }
    }
    expect(failures, `\n  ${failures.join('\n  ')}\n`).to.deep.equal([]);
  });
});
