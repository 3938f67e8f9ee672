// Runs a script from scripts/ as a child process against the test database, the way an operator would.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Knex } from 'knex';
import { projectRoot } from '../../server/config.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The DATABASE_URL that points a child process at the same database as the test. */
export function databaseUrlOf(db: Knex): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const conn = db.client.config.connection as { filename: string };
  return `sqlite:${conn.filename}`;
}

export function runScript(db: Knex, script: string, args: string[] = [], input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'scripts', script), ...args],
      {
        cwd: projectRoot,
        env: { ...process.env, DATABASE_URL: databaseUrlOf(db), LOG_LEVEL: 'silent', NODE_ENV: 'test' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}
