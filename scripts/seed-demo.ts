// npm run seed:demo -- --complaints N --seed S [--anchor YYYY-MM-DD]: adds deterministic demo data.
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { bootstrap } from '../server/bootstrap.js';
import { seedDemo } from '../server/features/complaints/demo-data.js';
import { IST } from '../server/shared/dates.js';

const { values } = parseArgs({
  options: {
    complaints: { type: 'string', default: '3000' },
    seed: { type: 'string', default: 'demo' },
    anchor: { type: 'string' },
  },
});
const complaints = Number(values.complaints);
if (!Number.isInteger(complaints) || complaints < 0) {
  console.error('--complaints must be a whole number, e.g. --complaints 5000');
  process.exit(2);
}
const anchor = values.anchor ? DateTime.fromISO(values.anchor, { zone: IST }) : undefined;
if (anchor && !anchor.isValid) {
  console.error('--anchor must be a date like 2026-11-01');
  process.exit(2);
}
const deps = await bootstrap();
const started = Date.now();
let last = 0;
const { accounts } = await seedDemo(deps.db, {
  complaints,
  seed: values.seed!,
  anchor,
  onProgress(written) {
    if (written - last >= 50_000 || written === complaints) {
      last = written;
      process.stdout.write(
        `\r  ${written.toLocaleString('en-IN')} / ${complaints.toLocaleString('en-IN')} complaints`,
      );
    }
  },
});
console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Demo accounts (user / password):`);
for (const a of accounts) console.log(`  ${a.role.padEnd(16)} ${a.username.padEnd(12)} ${a.password}`);
await deps.db.destroy();
