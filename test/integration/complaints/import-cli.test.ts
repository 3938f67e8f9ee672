// The import command, called in-process and spawned as `tsx scripts/import.ts`, against the test database.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { engineOf } from '../../../server/db/knex.js';
import { runImportCommand } from '../../../server/features/complaints/import.cli.js';
import { testDeps } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';

const SAMPLE = 'docs/samples/igrs-export-sample.csv';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

/** Environment that points a child process at the same database as the tests. */
function envFor(db: Knex): NodeJS.ProcessEnv {
  const base = { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'test' };
  if (engineOf(db) === 'mysql') return { ...base, DATABASE_URL: process.env.TEST_DATABASE_URL };
  const filename = (db.client.config.connection as { filename: string }).filename;
  return { ...base, DATABASE_URL: '', SQLITE_FILE: filename };
}

describe('import command', () => {
  const t = useTestDb();

  it('imports the sample, prints each bad row with row, column and reason, and a re-run changes nothing', async () => {
    const first = capture();
    const a = await runImportCommand(testDeps(t.db), [SAMPLE, '--lang', 'en'], first.io);
    expect(a.code).to.equal(0);
    expect(a.summary!.inserted).to.be.greaterThan(40);
    expect(a.summary!.rejected).to.be.greaterThan(0);
    expect(first.err.join('\n')).to.match(/✗ \d+\tप्राप्ति तिथि\t".*" is not a date/);
    expect(first.out.join('\n')).to.contain(`new ${a.summary!.inserted}`);
    const second = capture();
    const b = await runImportCommand(testDeps(t.db), [SAMPLE, '--lang', 'en'], second.io);
    expect(b.summary).to.include({ inserted: 0, updated: 0, unchanged: a.summary!.inserted });
  });

  it('refuses with exit code 1 and a message naming the problem; --dry-run writes nothing', async () => {
    const refused = capture();
    const r = await runImportCommand(testDeps(t.db), ['package.json', '--lang', 'en'], refused.io);
    expect(r.code).to.equal(1);
    expect(refused.err.join('\n')).to.contain('lacks required columns');
    const dry = await runImportCommand(testDeps(t.db), [SAMPLE, '--dry-run'], capture().io);
    expect(dry.summary!.inserted).to.be.greaterThan(40);
    expect(Number((await t.db('complaints').count({ n: '*' }).first())!.n)).to.equal(0);
    expect((await runImportCommand(testDeps(t.db), [], capture().io)).code).to.equal(2);
  });

  it('runs as `npx tsx scripts/import.ts FILE`', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'scripts/import.ts', SAMPLE, '--lang', 'en'],
      {
        env: envFor(t.db),
      },
    );
    expect(stdout).to.match(/Read 50, new \d+/);
    expect(Number((await t.db('complaints').count({ n: '*' }).first())!.n)).to.be.greaterThan(40);
  });
});
