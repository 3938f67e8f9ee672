// npm run sample -- create|draw|show ...: plans a session, draws and allocates its sample, or shows it, from the CLI.
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { bootstrap } from '../server/bootstrap.js';
import { findUserById, type SignedInUser } from '../server/features/auth/users.repository.js';
import { drawSample } from '../server/features/sessions/draw.service.js';
import { listDraws, listSessionTasks } from '../server/features/sessions/sessions.repository.js';
import { newSessionInput, SessionsService } from '../server/features/sessions/sessions.service.js';
import { AppError } from '../server/shared/errors.js';
import { t } from '../server/shared/i18n.js';

const USAGE = `Usage:
  npm run sample -- create --title T --district CODE --date YYYY-MM-DD --from YYYY-MM-DD --to YYYY-MM-DD
                        (--callers user1,user2 [--per-caller 5] | --pool-total N)
                        [--departments revenue,police] [--sources ...] [--tehsils ...] [--thanas ...]
                        [--exclude-verified-days 90] [--design proportional|equal|simple] [--minimum M]
                        [--as USERNAME] [--draw]
  npm run sample -- draw SESSION_ID [--as USERNAME]     draws (again) and allocates the tasks
  npm run sample -- show SESSION_ID                     the draws and the allocation`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    title: { type: 'string' },
    district: { type: 'string' },
    date: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    callers: { type: 'string', default: '' },
    'per-caller': { type: 'string' },
    'pool-total': { type: 'string' },
    departments: { type: 'string', default: '' },
    sources: { type: 'string', default: '' },
    tehsils: { type: 'string', default: '' },
    thanas: { type: 'string', default: '' },
    'exclude-verified-days': { type: 'string' },
    design: { type: 'string', default: 'proportional' },
    minimum: { type: 'string' },
    as: { type: 'string' },
    draw: { type: 'boolean', default: false },
  },
});
const [command, idText] = positionals;
if (!command || !['create', 'draw', 'show'].includes(command)) {
  console.error(USAGE);
  process.exit(2);
}

const deps = await bootstrap();
const db = deps.db;
const service = new SessionsService(deps);

/** The user the CLI acts as: --as USERNAME, or the first active administrator. */
async function actor(): Promise<SignedInUser> {
  const row = (await (values.as
    ? db('users').where({ username: values.as.toLowerCase() }).first('id')
    : db('users').where({ role: 'admin', active: true }).orderBy('id').first('id'))) as
    { id: number } | undefined;
  const user = row ? await findUserById(db, row.id) : null;
  if (!user || !['admin', 'supervisor'].includes(user.role)) {
    throw new Error(`No supervisor or administrator ${values.as ?? '(no admin found)'}: pass --as USERNAME.`);
  }
  return user;
}

async function show(sessionId: number): Promise<void> {
  for (const d of await listDraws(db, sessionId)) {
    console.log(
      `draw ${d.id} (no. ${d.drawNumber}${d.isCurrent ? ', current' : ''}): frame ${d.frameSize} sha256 ${d.frameSha256}, seed ${d.seed}, sample ${d.sampleSize}`,
    );
  }
  const perCaller = new Map<string, string[]>();
  for (const task of await listSessionTasks(db, sessionId)) {
    const who = task.assignedUserId === null ? 'pool' : `user ${task.assignedUserId}`;
    perCaller.set(who, [...(perCaller.get(who) ?? []), `${task.referenceNo} ${task.departmentCode}`]);
  }
  for (const [who, tasks] of perCaller) console.log(`  ${who}: ${tasks.length}\n    ${tasks.join('\n    ')}`);
}

async function drawAndShow(user: SignedInUser, sessionId: number): Promise<void> {
  await service.sessionFor(user, sessionId);
  const outcome = await drawSample(deps, user, sessionId);
  console.log(
    `Drew ${outcome.sampleSize} (+${outcome.reserveSize} reserves) from ${outcome.frameSize}: draw ${outcome.drawId}, no. ${outcome.drawNumber}`,
  );
  await show(sessionId);
}

let code = 0;
try {
  if (command === 'create') {
    const user = await actor();
    const district = (await db('districts')
      .where({ code: values.district ?? '' })
      .first('id')) as { id: number } | undefined;
    if (!district) throw new Error(`Unknown district code "${values.district ?? ''}" (e.g. kanpur-nagar).`);
    const usernames = values.callers
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const callerIds = usernames.length
      ? ((await db('users').whereIn('username', usernames).pluck('id')) as number[])
      : [];
    if (callerIds.length !== usernames.length) throw new Error(`Some callers are unknown: ${values.callers}`);
    const input = newSessionInput.parse({
      title: values.title,
      districtId: district.id,
      sessionDate: values.date,
      mode: values['pool-total'] ? 'pool' : 'officers',
      callerIds,
      perCaller: values['per-caller'],
      total: values['pool-total'],
      disposedFrom: values.from,
      disposedTo: values.to,
      departments: values.departments,
      sources: values.sources,
      tehsils: values.tehsils,
      thanas: values.thanas,
      excludeVerifiedDays: values['exclude-verified-days'],
      designKind: values.design,
      minimumPerStratum: values.minimum,
    });
    const id = await service.createSession(user, input);
    console.log(`Created session ${id}.`);
    if (values.draw) await drawAndShow(user, id);
  } else {
    const sessionId = Number(idText);
    if (!Number.isInteger(sessionId) || sessionId <= 0) throw new Error(USAGE);
    if (command === 'draw') await drawAndShow(await actor(), sessionId);
    else await show(sessionId);
  }
} catch (err) {
  if (err instanceof AppError)
    console.error(`${t('hi', err.key, err.params)}\n${t('en', err.key, err.params)}`);
  else console.error((err as Error).message);
  code = 1;
} finally {
  await db.destroy();
}
process.exit(code);
