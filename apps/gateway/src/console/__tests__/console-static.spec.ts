import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { FastifyInstance } from 'fastify';
import { registerConsole } from '../console-static';

// @fastify/static needs an ES-module-only dependency Jest's CommonJS runtime cannot load. This stand-in
// decorates the reply with a sendFile that names the file and its options instead of streaming it.
jest.mock('@fastify/static', () => {
  const plugin = (fastify: FastifyInstance, _options: unknown, done: () => void) => {
    fastify.decorateReply('sendFile', function (this: import('fastify').FastifyReply, path: string, _root?: string, options?: unknown) {
      return this.header('x-sent-file', path).header('x-send-options', JSON.stringify(options ?? {})).send(`contents of ${path}`);
    });
    done();
  };
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return { __esModule: true, default: plugin };
});

describe('console static files (gateway)', () => {
  let dir: string;
  let root: string;
  let fastify: FastifyInstance;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-console-'));
    root = join(dir, 'console');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'assets', 'app-abc123.js'), 'js');
    writeFileSync(join(root, 'favicon.svg'), '<svg/>');
    writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => fastify?.close());

  async function serve(from: string) {
    fastify = Fastify();
    await registerConsole(fastify, from);
    await fastify.ready();
  }
  const get = (url: string) => fastify.inject({ method: 'GET', url });

  it('redirects /ui to /ui/', async () => {
    await serve(root);
    const response = await get('/ui');
    expect([response.statusCode, response.headers.location]).toEqual([301, '/ui/']);
  });

  it('answers index.html, never cached, with the console CSP, for the root and any page of the single-page app', async () => {
    await serve(root);
    for (const url of ['/ui/', '/ui/index.html', '/ui/tenants/acme/groups']) {
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-sent-file']).toBe('index.html');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('serves hashed assets for a year and other files for an hour, without dotfiles', async () => {
    await serve(root);
    const asset = await get('/ui/assets/app-abc123.js');
    expect(asset.headers['x-sent-file']).toBe('assets/app-abc123.js');
    expect(JSON.parse(asset.headers['x-send-options'] as string)).toEqual({ maxAge: '365d', immutable: true, dotfiles: 'deny' });
    const icon = await get('/ui/favicon.svg');
    expect(JSON.parse(icon.headers['x-send-options'] as string)).toEqual({ maxAge: '1h', dotfiles: 'deny' });
  });

  it('answers a missing asset with a 404 Problem, never index.html (a browser would cache it as the script)', async () => {
    await serve(root);
    const response = await get('/ui/assets/app-gone.js');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('never serves a file outside its folder, and refuses a NUL or a broken encoding', async () => {
    await serve(root);
    expect((await get('/ui/assets/..%2f..%2fsecret.txt')).statusCode).toBe(404);
    expect((await get('/ui/..%2fsecret.txt')).headers['x-sent-file']).toBe('index.html');
    expect((await get('/ui/a%00b')).statusCode).toBe(404);
    expect((await get('/ui/%25E0%25A4%25A')).statusCode).toBe(404); // Fastify decodes once; the rest does not decode
  });

  it('answers a 404 Problem that says how to build the console when it is not built', async () => {
    await serve(join(dir, 'not-built'));
    const response = await get('/ui/');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ detail: 'The console is not built: run "npm run build"' });
  });
});
