// What the benchmarks that measure compiled code share: building dist/ first. A module of its own, so the measured
// processes load nothing else of the benchmarks' helpers.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../server/config.js';

/** Compiles `dist/` (tsc -p tsconfig.build.json), for benchmarks that measure the compiled code production runs. */
export function buildDist(): void {
  console.log('building dist/ (tsc -p tsconfig.build.json)...');
  const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the build failed');
}
