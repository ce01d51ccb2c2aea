import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '..');

/**
 * The gateway's folders and the folders each may import (README.md): one direction only, request/ at
 * the bottom, the route registrar on top, the NATS dispatcher and the upstream proxy side by side (browser
 * sessions on top of the dispatcher). The
 * files at the root (main.ts, gateway.ts, app.module.ts wire everything; gateway.env.ts, gateway-service.ts are
 * imported by all) are not a layer.
 */
const ALLOWED: Record<string, string[]> = {
  request: [],
  observability: [],
  security: [],
  idempotency: [],
  auth: ['request'],
  decisions: ['request', 'observability'],
  admission: ['request', 'auth', 'decisions', 'security'],
  dispatch: ['request', 'idempotency'],
  session: ['request', 'dispatch'],
  proxy: ['request', 'observability'],
  routing: ['request', 'admission', 'dispatch', 'session', 'proxy', 'observability'],
  'forward-auth': ['request', 'admission', 'proxy', 'observability', 'security'],
  openapi: ['request'],
  console: ['request'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The gateway folder of a file (undefined for the root files). */
function folderOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** Every relative import of every source file, as [from folder, to folder, where]. */
function folderImports(): Array<[string, string | undefined, string]> {
  const edges: Array<[string, string | undefined, string]> = [];
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const to = folderOf(resolve(dirname(file), spec));
      if (to !== from) edges.push([from, to, `${relative(SRC, file)} → ${spec}`]);
    }
  }
  return edges;
}

describe('gateway layers', () => {
  const edges = folderImports();

  it('knows every folder of the gateway', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== '__tests__').map((e) => e.name);
    expect(folders.sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('has each folder import only the folders below it', () => {
    const wrong = edges.filter(([from, to]) => to !== undefined && !ALLOWED[from].includes(to)).map(([, , where]) => where);
    expect(wrong).toEqual([]);
  });

  it('has no folder import main.ts or app.module.ts (only the shared root files)', () => {
    const wrong = edges.filter(([, to, where]) => to === undefined && /→ .*\/(main|app\.module)$/.test(where)).map(([, , where]) => where);
    expect(wrong).toEqual([]);
  });

  it('is a one-way graph: no two folders depend on each other, even through others', () => {
    const reaches = (from: string, target: string, seen = new Set<string>()): boolean =>
      ALLOWED[from].some((next) => next === target || (!seen.has(next) && (seen.add(next), reaches(next, target, seen))));
    expect(Object.keys(ALLOWED).filter((folder) => reaches(folder, folder))).toEqual([]);
  });
});
