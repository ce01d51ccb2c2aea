import { spawnSync } from 'node:child_process';

/**
 * Lints each case's code as if it were the file at its path, the way `npm run lint` does, in one ESLint
 * process (one per case spent most of this spec's time starting ESLint; ESLint's ES-module config cannot be
 * loaded inside Jest's module system).
 */
const LINT_CASES = `
const { ESLint } = require('eslint');
(async () => {
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const eslint = new ESLint({ cwd: process.cwd() });
  const errors = [];
  for (const { code, filePath } of cases) {
    const [report] = await eslint.lintText(code, { filePath });
    errors.push(report.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(errors));
})().catch((error) => { console.error(error); process.exit(1); });
`;

const cases = {
  appImportsApp: {
    code: "import { IdentityEnv } from '../../../identity/src/identity.env';\nexport const x = IdentityEnv;\n",
    filePath: 'apps/gateway/src/routing/bad-import.ts',
  },
  localImportsEntry: {
    code: "import { IDENTITY_SERVICE } from '../../identity/src/service';\nexport const x = IDENTITY_SERVICE;\n",
    filePath: 'apps/local/src/main.ts',
  },
  localImportsDeep: {
    code: "import { UsersService } from '../../identity/src/users/users.service';\nexport const x = UsersService;\n",
    filePath: 'apps/local/src/main.ts',
  },
  appImportsEntry: {
    code: "import { IDENTITY_SERVICE } from '../../../identity/src/service';\nexport const x = IDENTITY_SERVICE;\n",
    filePath: 'apps/gateway/src/routing/bad-import.ts',
  },
  appImportsTestingLib: { code: "import { api } from '@gatehouse/testing';\nexport const x = api;\n", filePath: 'apps/identity/src/bad.ts' },
  specImportsTestingLib: {
    code: "import { FakeRpc } from '@gatehouse/testing';\nexport const x = FakeRpc;\n",
    filePath: 'apps/identity/src/users/__tests__/users.spec.ts',
  },
  appImportsSharedLib: { code: "import { IdentityRpc } from '@gatehouse/contracts';\nexport const x = IdentityRpc;\n", filePath: 'apps/gateway/src/ok.ts' },
};
type CaseName = keyof typeof cases;

/** The Nx module-boundary rule must stop an app from importing another app (or a lib it may not use). */
describe('module boundaries (lint)', () => {
  let errors: Record<CaseName, string[]>;

  beforeAll(() => {
    // The rule reads Nx's project graph; make sure it has been computed.
    spawnSync('node_modules/.bin/nx', ['show', 'projects'], { stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false' } });
    const names = Object.keys(cases) as CaseName[];
    const result = spawnSync(process.execPath, ['-e', LINT_CASES], { input: JSON.stringify(names.map((name) => cases[name])), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ESLint failed: ${result.stderr}`);
    const found = JSON.parse(result.stdout) as string[][];
    errors = Object.fromEntries(names.map((name, i) => [name, found[i]])) as Record<CaseName, string[]>;
  }, 120_000);

  const crossProject = expect.stringContaining('Projects cannot be imported by a relative or absolute path');

  it('refuses an import of one app from another', () => {
    expect(errors.appImportsApp).toEqual([crossProject]);
  });

  it("lets local mode (apps/local) import the apps' entry points, and nothing deeper", () => {
    expect(errors.localImportsEntry).toEqual([]);
    expect(errors.localImportsDeep).toEqual([crossProject]);
  });

  it("refuses an app's entry point in any other app", () => {
    expect(errors.appImportsEntry).toEqual([crossProject]);
  });

  it('refuses the testing lib in an app', () => {
    expect(errors.appImportsTestingLib.join('\n')).toMatch(/can only depend on libs tagged with "type:contracts", "type:infra"/);
  });

  it('lets the unit specs of an app (in __tests__/) use the testing lib (the app itself may not: above)', () => {
    expect(errors.specImportsTestingLib).toEqual([]);
  });

  it('allows an app to use shared libraries', () => {
    expect(errors.appImportsSharedLib).toEqual([]);
  });
});
