// Reads config, prepares the database (migrations, first-run demo data), and serves. Nothing else.
import 'dotenv/config';
import { bootstrap } from './bootstrap.js';
import { startServer } from './http-server.js';
import { seedDemo } from './features/complaints/demo-data.js';
import { seedDemoSession } from './features/sessions/demo-session.js';

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
      // A drawn session makes the console, the board and the reports worth opening at once.
      await seedDemoSession(deps).catch((err: Error) => logger.warn({ err }, 'demo session not made'));
      console.log('Demo accounts (user / password):');
      for (const a of accounts) console.log(`  ${a.role.padEnd(16)} ${a.username.padEnd(12)} ${a.password}`);
      console.log("  The demo session's 11 officers: adm1–adm5, acm1–acm6, password demo-<user name>.");
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
