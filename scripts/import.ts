// npm run import -- FILE [--sheet NAME] [--dry-run] [--lang en]: imports an IGRS export from the command line.
import 'dotenv/config';
import { bootstrap } from '../server/bootstrap.js';
import { runImportCommand, tuneHeapForImport } from '../server/features/complaints/import.cli.js';

const deps = await bootstrap();
tuneHeapForImport(deps.db);
try {
  const { code } = await runImportCommand(deps, process.argv.slice(2));
  process.exitCode = code;
} finally {
  await deps.db.destroy();
}
