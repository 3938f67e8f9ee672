// Runs readExport in a worker thread, so parsing and validating use a second core while this thread writes.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { unpackRows } from './chunk-codec.js';
import type { ReadMessage, ReadSetup } from './read-export.js';

/**
 * Whether a worker can be the default reader: when running compiled (dist/, as in production). Not
 * under tsx: a worker registers tsx's loader again, about 95 MB more.
 */
export const READ_IN_WORKER_BY_DEFAULT = !import.meta.url.endsWith('.ts');

/** Chunks the worker may read ahead of the writer: enough to keep both busy, few enough to keep memory flat. */
export const READ_AHEAD_CHUNKS = 2;
// The reader's live heap is a chunk or three of rows and the parser's buffers; capped, V8 collects
// garbage early instead of letting the heap grow into the process's memory budget.
const WORKER_HEAP_MB = { old: 48, young: 8 };

/** The same messages as readExport(setup), read in a worker thread. Leaving the loop early stops the worker. */
export async function* readExportInWorker(setup: ReadSetup): AsyncGenerator<ReadMessage, void, undefined> {
  const worker = startWorker(setup);
  const queue: ReadMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: ReadMessage) => {
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  try {
    for (;;) {
      const message = queue.shift();
      if (message) {
        if (message.type === 'end') {
          yield message;
          return;
        }
        worker.postMessage('more');
        if (message.packed !== undefined) {
          message.rows = unpackRows(message.packed);
          delete message.packed;
        }
        yield message;
        continue;
      }
      if (failure) throw failure;
      if (exited) throw new Error('the import reader stopped before the end of the file');
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await worker.terminate();
  }
}

function startWorker(setup: ReadSetup): Worker {
  const options = {
    workerData: setup,
    resourceLimits: {
      maxOldGenerationSizeMb: WORKER_HEAP_MB.old,
      maxYoungGenerationSizeMb: WORKER_HEAP_MB.young,
    },
  };
  const here = import.meta.url;
  const entry = new URL(`./read-worker${here.slice(here.lastIndexOf('.'))}`, here);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  // Run from TypeScript sources (tsx: development, tests, benchmarks): a worker starts without the
  // loader hooks of the thread that made it, so it registers tsx itself before loading the entry.
  // (require.resolve finds the CommonJS build beside the ESM one: mocha loads this file through tsx's
  // CommonJS path, which has no import.meta.resolve.)
  const tsx = new URL('index.mjs', pathToFileURL(createRequire(here).resolve('tsx/esm/api'))).href;
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
