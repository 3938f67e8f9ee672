// npm run audit:verify: seals what is committed, then checks the audit log's hash chain; prints OK with the count, or the first broken entry (exit 1).
import 'dotenv/config';
import { openDatabase } from '../server/bootstrap.js';
import { loadConfig } from '../server/config.js';
import { sealAuditLog, verifyAuditChain } from '../server/features/audit/audit-log.js';

const db = await openDatabase(loadConfig());
try {
  // Entries a server committed in the last moment are chained first, as the server itself would.
  await sealAuditLog(db);
  const check = await verifyAuditChain(db);
  if (check.ok) {
    const pending = check.unsealed
      ? ` (${check.unsealed} committed meanwhile, chained at the next seal)`
      : '';
    console.log(`Audit log OK: ${check.entries} entries, the hash chain is intact${pending}.`);
  } else {
    const entry = (await db('audit_log').where({ seq: check.brokenAt }).first()) as
      | { at: string; action: string; entity: string; entity_id: string | null; user_id: number | null }
      | undefined;
    console.error(`Audit log BROKEN at entry ${check.brokenAt}: ${check.reason}.`);
    if (entry)
      console.error(
        `  entry ${check.brokenAt}: ${entry.at} UTC, ${entry.action} on ${entry.entity} ${entry.entity_id ?? ''} by user ${entry.user_id ?? '(system)'}`,
      );
    console.error(`  ${check.entries} entries before it verified.`);
    process.exitCode = 1;
  }
} finally {
  await db.destroy();
}
