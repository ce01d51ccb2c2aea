import 'reflect-metadata';
import { statSync } from 'node:fs';
import { CliIo } from './context';
import { run } from './program';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const io: CliIo = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
  readStdin,
  env: process.env,
  fetch: (input, init) => fetch(input, init),
  // Loaded only by operator commands: the messaging libraries are not needed to talk to a gateway.
  connectOperator: async (target) => (await import('./operator/connect-operator')).connectOperator(target),
  operatorSocketAt: (path) => {
    try {
      statSync(path);
      return true;
    } catch (error) {
      // Nothing there; anything else (permission denied) is for the connection to report, naming the socket.
      return !['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
    }
  },
};

run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
