// npm run user:create -- --username U --name N --role R --districts kanpur-nagar,lucknow|all [--password P]: adds a user (the first admin on a fresh install).
import 'dotenv/config';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { bootstrap } from '../server/bootstrap.js';
import { AuthService, checkNewPassword, isRole } from '../server/features/auth/auth.service.js';
import { districtIdsForCodes } from '../server/features/auth/users.repository.js';
import { AppError } from '../server/shared/errors.js';
import { t } from '../server/shared/i18n.js';

const usage =
  'Usage: npm run user:create -- --username U --name "Full Name" --role admin|supervisor|session_officer|caller|viewer ' +
  '--districts kanpur-nagar,lucknow|all [--password P] [--designation D] [--phone +91...]';

/** Both languages: the person at the terminal may read either. */
const say = (key: string, params: Record<string, string | number> = {}) =>
  `${t('en', key, params)}\n${t('hi', key, params)}`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

/** Asks on the terminal without echoing; piped input (scripts, CI) is read as a plain line. */
async function askPassword(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    out._writeToOutput = (s: string) => {
      if (!asked) process.stdout.write(s);
      asked = true;
    };
  }
  const answer = await rl.question(prompt);
  rl.close();
  if (process.stdin.isTTY) process.stdout.write('\n');
  return answer;
}

const { values } = parseArgs({
  options: {
    username: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    districts: { type: 'string' },
    password: { type: 'string' },
    designation: { type: 'string' },
    phone: { type: 'string' },
  },
});
if (!values.username || !values.name || !values.role || !values.districts) fail(usage);
if (!isRole(values.role)) fail(say('users.error.unknownRole', { role: values.role }));

let password = values.password;
if (password === undefined) {
  password = await askPassword('Password / पासवर्ड: ');
  if (process.stdin.isTTY && (await askPassword('Again / दोबारा: ')) !== password)
    fail('The two passwords differ. / दोनों पासवर्ड अलग हैं।');
}
try {
  checkNewPassword(password);
} catch (err) {
  fail(say((err as AppError).key, (err as AppError).params));
}

const deps = await bootstrap({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
try {
  let districtIds: number[] | 'all' = 'all';
  if (values.districts.trim().toLowerCase() !== 'all') {
    const found = await districtIdsForCodes(deps.db, values.districts.split(','));
    if (found.unknown.length) fail(say('users.error.unknownDistrict', { code: found.unknown.join(', ') }));
    if (!found.ids.length) fail(say('users.error.noDistrict'));
    districtIds = found.ids;
  }
  const auth = new AuthService(deps.db, deps.audit, deps.clock);
  const id = await auth.createUser(null, {
    username: values.username,
    displayName: values.name,
    designation: values.designation ?? null,
    phone: values.phone ?? null,
    role: values.role,
    districtIds,
    password,
  });
  console.log(`Created user #${id} "${values.username.trim().toLowerCase()}" (${values.role}).`);
} catch (err) {
  if (err instanceof AppError) fail(say(err.key, err.params));
  throw err;
} finally {
  await deps.db.destroy();
}
