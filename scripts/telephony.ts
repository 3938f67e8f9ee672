// npx tsx scripts/telephony.ts retention | ivr --session N [--limit 50]: the recording retention sweep, or an IVR run for a session.
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { bootstrap } from '../server/bootstrap.js';
import { createTelephonyService } from '../server/features/telephony/index.js';
import { AppError } from '../server/shared/errors.js';
import { t } from '../server/shared/i18n.js';

const usage =
  'Usage: npx tsx scripts/telephony.ts retention\n       npx tsx scripts/telephony.ts ivr --session <id> [--limit 50]';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { session: { type: 'string' }, limit: { type: 'string', default: '50' } },
});
const [command] = positionals;
if (command !== 'retention' && command !== 'ivr') {
  console.error(usage);
  process.exit(2);
}

const deps = await bootstrap();
try {
  const service = createTelephonyService(deps);
  if (service.mode !== 'twilio') {
    console.error(t('en', 'telephony.error.manualMode'));
    process.exitCode = 1;
  } else if (command === 'retention') {
    const deleted = await service.deleteExpiredRecordings();
    console.log(
      `Deleted ${deleted} recording(s) older than ${deps.config.telephony.recordingRetentionDays} days.`,
    );
  } else {
    const sessionId = Number(values.session);
    const limit = Number(values.limit);
    if (!Number.isInteger(sessionId) || sessionId <= 0 || !Number.isInteger(limit) || limit <= 0) {
      console.error(usage);
      process.exitCode = 2;
    } else {
      const run = await service.startIvrCalls(null, sessionId, limit);
      console.log(t('en', 'telephony.ivr.startedSummary', run));
    }
  }
} catch (error) {
  if (!(error instanceof AppError)) throw error;
  console.error(t('en', error.key, error.params));
  process.exitCode = 1;
} finally {
  await deps.db.destroy();
}
