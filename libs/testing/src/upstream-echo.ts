import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/**
 * A product service for the gateway to protect in e2e tests. Every request is answered with what
 * reached it (method, path, headers, body size and SHA-256, streamed, never buffered), and:
 * - `GET .../download?bytes=N` streams N deterministic bytes (byte i = i % 251);
 * - `... /slow?ms=N` answers after N ms.
 */
export class UpstreamEcho {
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<UpstreamEcho> {
    // A client (the gateway) may give up mid-request, e.g. on its timeout: that is not an error here.
    const server = createServer((request, response) => void handle(request, response).catch(() => response.destroy()));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new UpstreamEcho(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://upstream.invalid');
  if (url.pathname.endsWith('/download')) {
    const bytes = Number(url.searchParams.get('bytes') ?? '0');
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
    Readable.from(deterministicChunks(bytes)).pipe(response);
    return;
  }
  if (url.pathname.endsWith('/slow')) await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms') ?? '1000')));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  const body = JSON.stringify({
    method: request.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: request.headers,
    bodyBytes: size,
    bodySha256: hash.digest('hex'),
  });
  response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo', connection: 'keep-alive', 'keep-alive': 'timeout=60' });
  response.end(body);
}

/** The same bytes `download` streams, for checking a transfer end to end. */
export function* deterministicChunks(total: number, chunkSize = 64 * 1024): Generator<Buffer> {
  for (let offset = 0; offset < total; offset += chunkSize) {
    const length = Math.min(chunkSize, total - offset);
    const chunk = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) chunk[i] = (offset + i) % 251;
    yield chunk;
  }
}
