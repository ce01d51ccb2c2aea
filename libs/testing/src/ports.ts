import { renameSync } from 'node:fs';
import { createServer } from 'node:net';

/*
 * Ports are handed out below the kernel's ephemeral range (32768-60999 on Linux): a port the kernel
 * picked with listen(0) and that we then released is exactly the kind it hands to the next outgoing
 * connection, so a service spawned a moment later could find it taken (EADDRINUSE). Each Jest worker
 * draws from its own block, from a random start so that concurrent runs on one machine rarely meet.
 */
const BLOCK_BASE = 12000;
const BLOCK_SIZE = 2000;
const BLOCKS = 10;
const block = (Number(process.env.JEST_WORKER_ID ?? 1) - 1) % BLOCKS;
let next = Math.floor(Math.random() * BLOCK_SIZE);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that is free right now on 127.0.0.1, outside the ephemeral range and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK_SIZE; tries++) {
    const port = BLOCK_BASE + block * BLOCK_SIZE + (next++ % BLOCK_SIZE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${BLOCK_BASE + block * BLOCK_SIZE}-${BLOCK_BASE + (block + 1) * BLOCK_SIZE - 1}`);
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
