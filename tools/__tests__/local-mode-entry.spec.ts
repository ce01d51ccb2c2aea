import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm start` (tools/start.js) builds, then runs local mode's one entry, apps/local/src/main.ts, whose
 * imports are the wiring (each service's entry point and the gateway's startGateway; eslint's boundary
 * rule allows apps/local those files only). The launcher names the built file, the one path it knows:
 * this keeps it pointing at apps/local's entry as the build writes it.
 */
const ROOT = join(__dirname, '..', '..');

describe('local mode entry', () => {
  const launcher = readFileSync(join(ROOT, 'tools/start.js'), 'utf8');
  const project = JSON.parse(readFileSync(join(ROOT, 'apps/local/project.json'), 'utf8')) as { sourceRoot: string; targets: { serve: { command: string } } };
  const build = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;

  it('tools/start.js runs the built apps/local entry, and nothing else of dist/', () => {
    const required = [...launcher.matchAll(/['"`](dist\/[^'"`]+)['"`]/g)].map((m) => m[1]);
    expect(required).toEqual([`dist/${project.sourceRoot}/main.js`]);
    expect(existsSync(join(ROOT, project.sourceRoot, 'main.ts'))).toBe(true);
    // swc compiles apps/ and libs/ into dist/ keeping their paths: apps/local/src/main.ts → dist/apps/local/src/main.js.
    expect(build).toMatch(/^swc apps libs -d dist /);
    expect(project.targets.serve.command).toBe('node tools/start.js');
  });

  it("apps/local starts every service through its entry point and the gateway through startGateway", () => {
    const main = readFileSync(join(ROOT, project.sourceRoot, 'main.ts'), 'utf8');
    const apps = [...main.matchAll(/from '\.\.\/\.\.\/([a-z-]+)\/src\/([a-z.-]+)'/g)].map((m) => `${m[1]}/${m[2]}`).sort();
    expect(apps).toEqual([
      'authorization/service', 'gateway/gateway', 'gateway/gateway.env', 'identity/service', 'notification/service', 'tenancy/service',
    ]);
  });
});
