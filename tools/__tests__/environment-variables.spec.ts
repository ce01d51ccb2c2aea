import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { BaseServiceEnv, DatabaseServiceEnv, validateEnv } from '@gatehouse/config';
import { AuthorizationEnv } from '../../apps/authorization/src/authorization.env';
import { GatewayEnv } from '../../apps/gateway/src/gateway.env';
import { IdentityEnv } from '../../apps/identity/src/identity.env';
import { NotificationEnv } from '../../apps/notification/src/notification.env';
import { TenancyEnv } from '../../apps/tenancy/src/tenancy.env';
import { LocalEnv } from '../../apps/local/src/local.env';

/**
 * Every variable a service reads is declared and validated in its env class (read once at start-up by
 * libs/config) and documented in docs/configuration.md. Nothing else in apps/ and libs/ reads
 * `process.env`, except these files, for these reasons:
 */
const ALLOWED_READERS: Record<string, string> = {
  'libs/config/src/validate-env.ts': 'the config loader: validates process.env against an env class',
  'apps/cli/src/main.ts': 'the gatehouse CLI is a client, not a service: its entry hands the environment to the program, which reads GATEHOUSE_SERVER, GATEHOUSE_TOKEN, GATEHOUSE_TENANT, NATS_*, GATEHOUSE_OPERATOR_SOCKET and GATEHOUSE_DATA_DIR',
  'apps/gateway/src/openapi/openapi-publisher.ts': "npm_package_version, npm's own metadata (the version shown by /api/docs), not configuration",
  'libs/local-transport/src/embedded-database.ts': "passes the process's environment on to Postgres' own tools (initdb, pg_ctl); reads no variable",
  'libs/testing/': 'the e2e harness (E2E_*, NATS_SERVER_BIN, CHROMIUM_PATH, ...): never part of a running service',
};

const ROOT = join(__dirname, '..', '..');
const READS_ENV = /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\bfrom\s+['"](node:)?process['"]|require\(\s*['"](node:)?process['"]\s*\)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

/** The variables an env class declares, with their validators (class-validator's metadata). */
function declared(envClass: new () => object): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(envClass, '', false, false).map((m) => m.propertyName));
}

const docs = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');

/** The `| \`NAME\` | ...` rows of the docs section whose heading starts with `heading` (`## ...` or `### ...`). */
function documented(heading: string): Set<string> {
  const start = docs.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`docs/configuration.md has no section "${heading}"`);
  const end = docs.slice(start + 1).search(/\n##/);
  const section = end < 0 ? docs.slice(start) : docs.slice(start, start + 1 + end);
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));
}

describe('environment variables', () => {
  it('are read from process.env only by the config loader and the allowed places', () => {
    const offenders = ['apps', 'libs']
      .flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .map((path) => relative(ROOT, path))
      .filter((path) => !Object.keys(ALLOWED_READERS).some((allowed) => path === allowed || (allowed.endsWith('/') && path.startsWith(allowed))))
      .filter((path) => READS_ENV.test(readFileSync(join(ROOT, path), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the allowed readers still exist and still read it (no stale exception)', () => {
    for (const allowed of Object.keys(ALLOWED_READERS).filter((path) => !path.endsWith('/'))) {
      expect([allowed, READS_ENV.test(readFileSync(join(ROOT, allowed), 'utf8'))]).toEqual([allowed, true]);
    }
  });

  it('recognises the ways of reading it', () => {
    for (const code of ['process.env.X', "process['env']", "import { env } from 'node:process';", "const { env } = require('process');"]) {
      expect([code, READS_ENV.test(code)]).toEqual([code, true]);
    }
    expect(READS_ENV.test('env.PORT; processEnv; this.process.environment')).toBe(false);
  });

    /** Each service: its env class, the class it extends, and the docs sections listing its variables. */
  const services: Array<[string, new () => object, Set<string>, string[]]> = [
    ['gateway', GatewayEnv, declared(BaseServiceEnv), ['### gateway']],
    ['identity', IdentityEnv, declared(DatabaseServiceEnv), ['### identity']],
    ['tenancy', TenancyEnv, declared(DatabaseServiceEnv), ['### tenancy']],
    ['authorization', AuthorizationEnv, declared(DatabaseServiceEnv), ['### authorization']],
    ['notification', NotificationEnv, declared(DatabaseServiceEnv), ['### notification', '## Email delivery (notification)', '## Webhooks (notification)']],
    ['local mode', LocalEnv, new Set<string>(), ['### local mode']],
  ];

  it('LINK_TOKEN_ENCRYPTION_KEYS: identity and authorization seal with it, notification opens; each refuses a bad one at start-up naming it', () => {
    const keys = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
    for (const envClass of [IdentityEnv, AuthorizationEnv, NotificationEnv] as Array<new () => { LINK_TOKEN_ENCRYPTION_KEYS: string }>) {
      expect([envClass.name, validateEnv(envClass, { LINK_TOKEN_ENCRYPTION_KEYS: keys }).LINK_TOKEN_ENCRYPTION_KEYS]).toEqual([envClass.name, keys]);
      expect([envClass.name, validateEnv(envClass, {}).LINK_TOKEN_ENCRYPTION_KEYS]).toEqual([envClass.name, '']);
      expect(() => validateEnv(envClass, { LINK_TOKEN_ENCRYPTION_KEYS: 'k1:too-short' })).toThrow(
        /LINK_TOKEN_ENCRYPTION_KEYS=<hidden>: LINK_TOKEN_ENCRYPTION_KEYS must be comma-separated id:base64 entries of 32-byte keys/,
      );
    }
  });

  it('shared variables are documented in their section', () => {
    expect([...declared(BaseServiceEnv)].filter((name) => !documented('### `BaseServiceEnv`').has(name))).toEqual([]);
    const databaseOnly = [...declared(DatabaseServiceEnv)].filter((name) => !declared(BaseServiceEnv).has(name));
    expect(databaseOnly.filter((name) => !documented('### `DatabaseServiceEnv`').has(name))).toEqual([]);
  });

  it.each(services)("%s's variables are declared, validated and documented in its section, and only those", (_service, envClass, inherited, sections) => {
    const all = [...declared(envClass)].sort();
    expect(all.filter((name) => !inherited.has(name)).length).toBeGreaterThan(0);
    // Each service's table lists every variable it reads, the inherited ones included.
    expect([...new Set(sections.flatMap((section) => [...documented(section)]))].sort()).toEqual(all);
  });
});
