// Worker thread entry: reads an export (readExport) and hands each chunk to the importing thread, a few ahead.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeRawTexts, packRows } from './chunk-codec.js';
import { readExport, type ReadSetup } from './read-export.js';
import { READ_AHEAD_CHUNKS } from './read-in-worker.js';

const port = parentPort!;
// The importing thread returns one credit per chunk it takes, so at most READ_AHEAD_CHUNKS wait there.
let credits = READ_AHEAD_CHUNKS;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});

for await (const message of readExport(workerData as ReadSetup)) {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  const packed = message.type === 'chunk' ? packRows(message.rows) : null;
  if (packed === null && message.type === 'chunk') decodeRawTexts(message.rows);
  port.postMessage(packed === null ? message : { ...message, rows: [], packed });
}
port.close();
