import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ProblemException } from '@gatehouse/errors';
import fastifyStatic from '@fastify/static';
import { FastifyInstance, FastifyReply } from 'fastify';
import { sendProblem } from '../request/problem-reply';

/** Where `npm run build` puts the console (Vite): dist/console, next to dist/apps. */
export const DEFAULT_CONSOLE_ROOT = resolve(__dirname, '../../../../console');
export const CONSOLE_PREFIX = '/ui/';

/** Hashed file names never change content: cache for a year. index.html must always be revalidated. */
const ASSET_CACHE = { maxAge: '365d', immutable: true } as const;

/**
 * The console's security headers: scripts, styles and API calls from this origin only, no framing,
 * and no referrer (a reset-password link carries its token in the query string).
 */
const HTML_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/**
 * Serves the admin console under /ui/: hashed assets with long-lived cache headers, any other path
 * under /ui/ answered with index.html (the single-page app routes in the browser).
 */
export async function registerConsole(fastify: FastifyInstance, root: string = DEFAULT_CONSOLE_ROOT): Promise<void> {
  const built = existsSync(resolve(root, 'index.html'));
  if (built) await fastify.register(fastifyStatic, { root, serve: false, decorateReply: true });

  fastify.get('/ui', (_request, reply) => reply.redirect(CONSOLE_PREFIX, 301));
  fastify.get('/ui/*', async (request, reply) => {
    if (!built) return notFound(reply, 'The console is not built: run "npm run build"');
    const relative = decodeSafe((request.params as { '*': string })['*'] ?? '');
    if (relative === null) return notFound(reply, 'Not found');
    if (relative.startsWith('assets/')) {
      // A missing hashed asset is a 404, never index.html (which a browser would then cache as a script).
      return isFileUnder(root, relative) ? reply.sendFile(relative, root, { ...ASSET_CACHE, dotfiles: 'deny' }) : notFound(reply, 'Not found');
    }
    if (relative !== '' && relative !== 'index.html' && isFileUnder(root, relative)) {
      return reply.sendFile(relative, root, { maxAge: '1h', dotfiles: 'deny' });
    }
    reply.headers(HTML_HEADERS);
    return reply.sendFile('index.html', root, { cacheControl: false });
  });
}

function decodeSafe(path: string): string | null {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

function isFileUnder(root: string, relative: string): boolean {
  const base = resolve(root);
  const full = resolve(base, relative);
  if (!full.startsWith(base + sep)) return false;
  try {
    return statSync(full).isFile();
  } catch {
    return false;
  }
}

function notFound(reply: FastifyReply, detail: string): FastifyReply {
  return sendProblem(reply, ProblemException.notFound(detail).problem);
}
