import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const { checks: lintChecks } = require('../lint.js') as { checks: Array<[string, string[]]> };
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * `npm run lint` must fail on an import cycle anywhere in apps/ and libs/ (dpdm, `npm run lint:cycles`).
 * Each case lays out a small workspace with the project's dpdm.config.ts and runs the lint:cycles script
 * there, exactly as package.json says it.
 */
describe('import cycles (lint)', () => {
  let workspace: string;

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'gatehouse-cycles-'));
    copyFileSync(join(root, 'dpdm.config.ts'), join(workspace, 'dpdm.config.ts'));
    write('tsconfig.json', JSON.stringify({
      compilerOptions: {
        baseUrl: '.',
        paths: { '@gatehouse/alpha': ['libs/alpha/src/index.ts'], '@gatehouse/beta': ['libs/beta/src/index.ts'] },
      },
    }));
  });

  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  function write(path: string, code: string): void {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), code);
  }

  /** Runs `npm run lint:cycles`'s command in the workspace. */
  function lintCycles(): { status: number | null; output: string } {
    const result = spawnSync(scripts['lint:cycles'], {
      cwd: workspace,
      shell: true,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it('is part of npm run lint, beside ESLint (whose module-boundary rule refuses an app importing another)', () => {
    expect(scripts.lint).toBe('node tools/lint.js');
    const commands = lintChecks.map(([, command]) => command.join(' '));
    expect(commands).toContain('node_modules/.bin/eslint . --max-warnings=0');
    expect(commands).toContain('npm run --silent lint:cycles');
    expect(scripts['lint:cycles']).toMatch(/^dpdm /);
  });

  it('passes on a workspace without a cycle', () => {
    write('libs/alpha/src/index.ts', "export * from './a';\n");
    write('libs/alpha/src/a.ts', "import { b } from '@gatehouse/beta';\nexport const a = () => b;\n");
    write('libs/beta/src/index.ts', "export * from './b';\n");
    write('libs/beta/src/b.ts', 'export const b = 1;\n');
    write('apps/gamma/src/main.ts', "import { a } from '@gatehouse/alpha';\nconsole.log(a());\n");

    const { status, output } = lintCycles();
    expect(output).toContain('no circular dependency');
    expect(status).toBe(0);
  });

  it('fails on a cycle between two files of a lib', () => {
    write('libs/alpha/src/index.ts', "export * from './one';\n");
    write('libs/alpha/src/one.ts', "import { two } from './two';\nexport const one = () => two;\n");
    write('libs/alpha/src/two.ts', "import { one } from './one';\nexport const two = () => one;\n");

    const { status, output } = lintCycles();
    expect(output).toMatch(/libs\/alpha\/src\/(one|two)\.ts -> libs\/alpha\/src\/(one|two)\.ts/);
    expect(status).not.toBe(0);
  });

  it('fails on a cycle made of type-only imports', () => {
    write('libs/alpha/src/index.ts', "export * from './one';\nexport * from './two';\n");
    write('libs/alpha/src/one.ts', "import type { Two } from './two';\nexport interface One { two?: Two }\n");
    write('libs/alpha/src/two.ts', "import type { One } from './one';\nexport interface Two { one?: One }\n");

    const { status, output } = lintCycles();
    expect(output).toMatch(/libs\/alpha\/src\/(one|two)\.ts -> libs\/alpha\/src\/(one|two)\.ts/);
    expect(status).not.toBe(0);
  });

  it('fails on a cycle between libs through their path aliases, in an app too', () => {
    write('libs/alpha/src/index.ts', "export * from './a';\n");
    write('libs/alpha/src/a.ts', "import { b } from '@gatehouse/beta';\nexport const a = () => b;\n");
    write('libs/beta/src/index.ts', "export * from './b';\n");
    write('libs/beta/src/b.ts', "import { a } from '@gatehouse/alpha';\nexport const b = () => a;\n");
    write('apps/gamma/src/routing/route.ts', "import { handler } from '../proxy/proxy';\nexport const route = () => handler;\n");
    write('apps/gamma/src/proxy/proxy.ts', "import { route } from '../routing/route';\nexport const handler = () => route;\n");

    const { status, output } = lintCycles();
    expect(output).toContain('libs/beta/src/b.ts');
    expect(output).toContain('libs/alpha/src/a.ts');
    expect(output).toContain('apps/gamma/src/proxy/proxy.ts');
    expect(status).not.toBe(0);
  });
});
