// Logs every export that carries complainants' personal data (names, mobiles, addresses) to the audit chain.
//
// How features use it (reports, sessions, review…):
//   route('get', '/reports/x.csv', PERSONAL_DATA_EXPORTERS, 'file', asyncHandler(async (req, res) => {
//     const rows = await buildRows(...);                      // already limited with whereInScope(...)
//     await recordExport(deps.db, req.user!, 'session-report.csv', { sessionId, department }, rows.length, deps.audit);
//     sendCsv(res, rows);
//   }));
// - Call it BEFORE sending the file: if logging fails, nothing leaves the server.
// - Pass a transaction when the export also changes state, so both commit together.
// - `filters` is what the user asked for (ids, codes, dates) — never the personal data itself.
// - The route's allow should be PERSONAL_DATA_EXPORTERS; recordExport refuses anyone else as a second lock.
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import type { Role } from '../../shared/http.js';
import type { SignedInUser } from '../auth/users.repository.js';
import { AuditLog } from './audit-log.js';

/** Who may take personal data out of the desk (the issue: "exports that contain personal data need the supervisor role"). */
export const PERSONAL_DATA_EXPORTERS: readonly Role[] = ['supervisor'];

export async function recordExport(
  trxOrDb: Knex | Knex.Transaction,
  user: Pick<SignedInUser, 'id' | 'role' | 'districtIds'>,
  what: string,
  filters: Record<string, unknown>,
  rows: number,
  audit: AuditLog = new AuditLog(),
): Promise<number> {
  if (!PERSONAL_DATA_EXPORTERS.includes(user.role)) throw new AppError(403, 'error.forbidden');
  const write = (trx: Knex.Transaction) =>
    audit.record(trx, {
      userId: user.id,
      action: 'export.made',
      entity: 'export',
      entityId: what,
      after: { what, filters, rows, role: user.role, scope: user.districtIds },
    });
  return (trxOrDb as Knex.Transaction).isTransaction
    ? write(trxOrDb as Knex.Transaction)
    : trxOrDb.transaction(write);
}
