import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/**
 * The dependency direction of README.md (beside app.module.ts): a folder imports only folders of lower
 * layers (never a sibling of its own layer, never one above), so no two folders import each other.
 * authorization.env.ts and service-name.ts (imports nothing) sit below everything; app.module.ts and main.ts above,
 * and so does src/__tests__/ (the unit test module), which any spec may use.
 */
const LAYERS: string[][] = [
  ['common'],
  ['invalidation'],
  ['subjects'],
  ['tenants'],
  ['decisions'],
  ['grants'],
  ['catalogue', 'roles', 'groups'],
  ['bindings'],
  ['tenant-access', 'invitations', 'provisioning', 'scim-groups', 'federation-groups'],
];
const CONTEXTS = LAYERS.flat().filter((folder) => folder !== 'common');
const SRC = resolve(__dirname, '..');
const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder of src a file is in ('' for a file directly in src). */
const folderOf = (path: string) => {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0] : '';
};

/** Every relative import of every file under src (specs included), as [from folder, to folder or file]. */
function edges(): Array<{ file: string; from: string; to: string }> {
  return sources(SRC).flatMap((file) =>
    preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const target = resolve(dirname(file), name);
        return { file: relative(SRC, file), from: folderOf(file), to: folderOf(target) || relative(SRC, target) };
      }),
  );
}

/** A spec's import of the service's unit test module (src/__tests__/), which sits above everything like app.module. */
const toTestModule = ({ file, to }: { file: string; to: string }) => to === '__tests__' && file.split(sep).includes('__tests__');

describe('authorization layers', () => {
  const all = edges().filter((edge) => !toTestModule(edge));

  it('lists every folder of src in a layer', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory() && !['__tests__', 'migrations'].includes(name));
    expect(folders.sort()).toEqual(LAYERS.flat().sort());
  });

  it('a folder imports only folders of lower layers (and authorization.env.ts, service-name.ts)', () => {
    const upward = all
      .filter(({ from, to }) => from !== '' && from !== '__tests__' && from !== 'migrations' && to !== from && to !== 'authorization.env' && to !== 'service-name')
      .filter(({ from, to }) => !(layerOf(to) >= 0 && layerOf(to) < layerOf(from)))
      .map(({ file, to }) => `${file} -> ${to}`);
    expect(upward).toEqual([]);
  });

  it('no two folders import each other', () => {
    const pairs = new Set(all.filter(({ from, to }) => from && to !== from).map(({ from, to }) => `${from}>${to}`));
    const cycles = [...pairs].filter((pair) => pairs.has(pair.split('>').reverse().join('>')));
    expect(cycles).toEqual([]);
  });

  it('every context folder has its module, imported by app.module.ts', () => {
    const app = readFileSync(join(SRC, 'app.module.ts'), 'utf8');
    for (const context of CONTEXTS) {
      const module = join(SRC, context, `${context}.module.ts`);
      expect(statSync(module).isFile()).toBe(true);
      expect(app).toContain(`from './${context}/${context}.module'`);
    }
  });
});
