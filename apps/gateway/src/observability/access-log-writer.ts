// The access log's writer thread: formats the batches the gateway posts and writes them to stdout, so the
// event loop that answers requests spends neither the JSON nor the write(2) on them. Acknowledges each
// batch once written (the gateway bounds how many it leaves unwritten).
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { AccessEntry, AccessLogWriterData, formatAccessLines } from './access-log-format';

const { base } = workerData as AccessLogWriterData;
// sonic-boom (pino's destination) retries partial writes and EAGAIN on a full pipe.
const stdout = pino.destination({ dest: 1, sync: true });

parentPort?.on('message', (entries: AccessEntry[] | null) => {
  if (entries === null) {
    stdout.flushSync();
    parentPort?.close();
    return;
  }
  stdout.write(formatAccessLines(entries, base));
  parentPort?.postMessage(entries.length);
});
