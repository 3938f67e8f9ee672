// The text `npm run sample:verify` prints: CONFIRMED or REFUTED, with every mismatch; and its exit code.
import type { Knex } from 'knex';
import { verifyStoredDraw } from './draw.service.js';

/** Verifies a stored draw and writes a report; returns the process exit code (0 confirmed, 1 refuted). */
export async function reportDrawVerification(
  db: Knex,
  drawId: number,
  write: (line: string) => void,
): Promise<number> {
  const report = await verifyStoredDraw(db, drawId);
  write(`draw ${drawId}: ${report.confirmed ? 'CONFIRMED' : 'REFUTED'}`);
  write(`  sha256 of the frozen frame file: ${report.frameHashOfFile}`);
  for (const m of report.mismatches) {
    const where = [
      m.pool !== undefined ? `pool ${m.pool}` : '',
      m.role ?? '',
      m.rank !== undefined ? `rank ${m.rank}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    write(
      `  mismatch ${m.what}${where ? ` (${where})` : ''}: recomputed ${m.expected ?? '—'}, stored ${m.found ?? '—'}`,
    );
  }
  return report.confirmed ? 0 : 1;
}
