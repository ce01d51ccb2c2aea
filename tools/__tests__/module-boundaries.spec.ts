import { spawnSync } from 'node:child_process';

/** The Nx module-boundary rule must stop an app from importing another app (or a lib it may not use). */
describe('module boundaries (lint)', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; make sure it has been computed.
    spawnSync('node_modules/.bin/nx', ['show', 'projects'], { stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false' } });
  }, 60_000);

  /** Lints `code` as if it were the file at `filePath`, the way `npm run lint` does. */
  function boundaryErrors(code: string, filePath: string): string[] {
    const result = spawnSync('node_modules/.bin/eslint', ['--stdin', '--stdin-filename', filePath, '--format', 'json'], { input: code, encoding: 'utf8' });
    const [report] = JSON.parse(result.stdout) as Array<{ messages: Array<{ ruleId: string; message: string }> }>;
    return report.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  }

  it('refuses an import of one app from another', () => {
    const errors = boundaryErrors(
      "import { IdentityEnv } from '../../../identity/src/identity.env';\nexport const x = IdentityEnv;\n",
      'apps/gateway/src/routing/bad-import.ts',
    );
    expect(errors).toEqual([expect.stringContaining('Projects cannot be imported by a relative or absolute path')]);
  });

  it("lets local mode (apps/local) import the apps' entry points, and nothing deeper", () => {
    const entry = "import { IDENTITY_SERVICE } from '../../identity/src/service';\nexport const x = IDENTITY_SERVICE;\n";
    expect(boundaryErrors(entry, 'apps/local/src/main.ts')).toEqual([]);
    const deep = "import { UsersService } from '../../identity/src/users/users.service';\nexport const x = UsersService;\n";
    expect(boundaryErrors(deep, 'apps/local/src/main.ts')).toEqual([expect.stringContaining('Projects cannot be imported by a relative or absolute path')]);
  });

  it("refuses an app's entry point in any other app", () => {
    const code = "import { IDENTITY_SERVICE } from '../../../identity/src/service';\nexport const x = IDENTITY_SERVICE;\n";
    expect(boundaryErrors(code, 'apps/gateway/src/routing/bad-import.ts')).toEqual([expect.stringContaining('Projects cannot be imported by a relative or absolute path')]);
  });

  it('refuses the testing lib in an app', () => {
    const errors = boundaryErrors("import { api } from '@gatehouse/testing';\nexport const x = api;\n", 'apps/identity/src/bad.ts');
    expect(errors.join("\n")).toMatch(/can only depend on libs tagged with "type:contracts", "type:infra"/);
  });

  it('lets the unit specs of an app (in __tests__/) use the testing lib (the app itself may not: above)', () => {
    const code = "import { FakeRpc } from '@gatehouse/testing';\nexport const x = FakeRpc;\n";
    expect(boundaryErrors(code, 'apps/identity/src/users/__tests__/users.spec.ts')).toEqual([]);
  });

  it('allows an app to use shared libraries', () => {
    const errors = boundaryErrors("import { IdentityRpc } from '@gatehouse/contracts';\nexport const x = IdentityRpc;\n", 'apps/gateway/src/ok.ts');
    expect(errors).toEqual([]);
  });
});
