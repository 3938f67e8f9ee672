// Connecting to MySQL/MariaDB as the README says: over TCP, or through the server's socket when it runs on the same
// machine (`?socketPath=` in DATABASE_URL), which costs each query less than loopback TCP.
import fs from 'node:fs';
import { expect } from 'chai';
import { parseDatabaseUrl } from '../../../server/config.js';
import { createDb } from '../../../server/db/knex.js';
import { useTestDb } from '../../helpers/db.js';

// Only the MariaDB run has a server to reach (SQLite is a file in the process).
const onMysql = Boolean(process.env.TEST_DATABASE_URL?.startsWith('mysql'));

(onMysql ? describe : () => undefined)('database connection', () => {
  const t = useTestDb();

  it('reaches MySQL/MariaDB through its socket when DATABASE_URL names one', async () => {
    const [[{ socket }]] = (await t.db.raw('select @@socket as socket')) as [[{ socket: string }]];
    expect(fs.existsSync(socket), `the server's socket ${socket}`).to.equal(true);
    const tcp = new URL(process.env.TEST_DATABASE_URL!);
    const url = `mysql://${tcp.username}${tcp.password ? `:${tcp.password}` : ''}@localhost${tcp.pathname}?socketPath=${encodeURIComponent(socket)}`;
    const db = createDb(parseDatabaseUrl(url, ''));
    try {
      const [[row]] = (await db.raw(
        'select host, (select count(*) from districts) as districts from information_schema.processlist where id = connection_id()',
      )) as [[{ host: string; districts: number }]];
      // A socket client is "localhost" without a port; a TCP one would be "127.0.0.1:<port>".
      expect(row.host).to.equal('localhost');
      expect(Number(row.districts)).to.be.greaterThan(0);
    } finally {
      await db.destroy();
    }
  });
});
