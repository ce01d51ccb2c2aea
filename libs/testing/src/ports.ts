import { renameSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port that is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Leaves at `path` a Unix socket nobody listens on, as a killed process does (Node removes the socket
 * of a server it closes, so it is bound beside `path` and moved there first).
 */
export async function staleSocket(path: string): Promise<void> {
  const bound = `${path}.bound`;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bound, resolve);
  });
  renameSync(bound, path);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
