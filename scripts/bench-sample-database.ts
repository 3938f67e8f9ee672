// Where `npm run bench:sample` keeps its data: data/bench/sample.sqlite, or MariaDB `bench_sample` (BENCH_MYSQL_URL).
import path from 'node:path';
import { projectRoot, type DatabaseConfig } from '../server/config.js';

export const BENCH_MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/bench_sample';

export function benchDatabase(engine: string): DatabaseConfig {
  if (engine === 'mysql') {
    const url = new URL(BENCH_MYSQL_URL);
    return { client: 'mysql', url: BENCH_MYSQL_URL, database: url.pathname.slice(1) } as DatabaseConfig;
  }
  return { client: 'sqlite', filename: path.join(projectRoot, 'data', 'bench', 'sample.sqlite') };
}
