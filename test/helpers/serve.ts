// A test server process: startServer on PORT (0: any) against DATABASE_URL and REDIS_URL; prints "listening <url>".
// Spawned with an IPC channel so it stops when the test process goes away.
import { bootstrap } from '../../server/bootstrap.js';
import { startServer } from '../../server/http-server.js';

const deps = await bootstrap({ NODE_ENV: 'test', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ...process.env });
const server = await startServer(deps, Number(process.env.PORT ?? 0), '127.0.0.1');
console.log(`listening ${server.url}`);

const stop = async () => {
  await server.close();
  await deps.db.destroy();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.once('disconnect', () => void stop());
