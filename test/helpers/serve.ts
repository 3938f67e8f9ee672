// A test server process: startServer on PORT (0: any) against DATABASE_URL and REDIS_URL; prints "listening <url>".
// Tests that need several processes spawn this with an IPC channel; a message {emit, payload} is emitted on the
// process's own event bus, as a service in that process would after its commit.
import { bootstrap } from '../../server/bootstrap.js';
import { startServer } from '../../server/http-server.js';
import type { DomainEvents } from '../../server/shared/events.js';

const deps = await bootstrap({ NODE_ENV: 'test', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ...process.env });
const server = await startServer(deps, Number(process.env.PORT ?? 0), '127.0.0.1');
console.log(`listening ${server.url}`);

process.on('message', (m: { emit?: keyof DomainEvents; payload?: unknown }) => {
  if (m.emit) deps.events.emit(m.emit, m.payload as never);
});

const stop = async () => {
  await server.close();
  await deps.db.destroy();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.once('disconnect', () => void stop());
