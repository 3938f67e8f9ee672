// Reads config, prepares the database (migrations, first-run demo data), and serves. Nothing else.
import 'dotenv/config';
import { bootstrap } from './bootstrap.js';
import { startServer } from './http-server.js';
import { seedDemo } from './features/complaints/demo-data.js';

async function main(): Promise<void> {
  const deps = await bootstrap();
  const { config, db, logger } = deps;
  if (config.seedDemo && config.database.client === 'sqlite') {
    const users = Number(((await db('users').count({ n: '*' }).first()) as { n: number }).n);
    if (users === 0) {
      console.log(
        `First start on an empty database: making demo data (${config.demoComplaints} complaints)...`,
      );
      const { accounts } = await seedDemo(db, { complaints: config.demoComplaints, seed: 'demo' });
      console.log('Demo accounts (user / password):');
      for (const a of accounts) console.log(`  ${a.role.padEnd(16)} ${a.username.padEnd(12)} ${a.password}`);
    }
  }
  const server = await startServer(deps);
  console.log(`IGRS Feedback Desk is serving at ${server.url} (database: ${config.database.client})`);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await server.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: Error) => {
  // Known start-up problems carry their own explanation; print it plainly, without a stack.
  const known = ['ConfigError', 'StartupError', 'MigrationError', 'PortInUseError'].includes(
    err.constructor.name,
  );
  console.error(known ? `Cannot start: ${err.message}` : err);
  process.exit(1);
});
