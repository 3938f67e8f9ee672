// npm run sample:verify -- DRAW_ID: recomputes a stored draw from its frozen frame and seed; exit 0 CONFIRMED, 1 REFUTED.
import 'dotenv/config';
import { bootstrap } from '../server/bootstrap.js';
import { reportDrawVerification } from '../server/features/sessions/verify-report.js';
import { AppError } from '../server/shared/errors.js';
import { t } from '../server/shared/i18n.js';

const drawId = Number(process.argv[2]);
if (!Number.isInteger(drawId) || drawId <= 0) {
  console.error('Usage: npm run sample:verify -- DRAW_ID   (the number shown on the sample certificate)');
  process.exit(2);
}
const deps = await bootstrap();
let code = 1;
try {
  code = await reportDrawVerification(deps.db, drawId, (line) => console.log(line));
} catch (err) {
  console.error(err instanceof AppError ? t('en', err.key, err.params) : (err as Error).message);
  code = 2;
} finally {
  await deps.db.destroy();
}
process.exit(code);
