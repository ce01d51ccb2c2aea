import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { stopProcess } from './system';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const LDAPMODIFY = '/usr/bin/ldapmodify';
/** Debian's nobody / nogroup: slapd runs unprivileged even when the tests run as root. */
const NOBODY = { uid: 65534, gid: 65534 };

export interface LdapServerOptions {
  /** The directory's suffix. Default `dc=example,dc=com`. */
  suffix?: string;
  /** LDIF added before the server starts (the suffix's entry is added first). */
  seed?: string;
}

/**
 * A real OpenLDAP `slapd` (Debian's package, installed by `.ci/run`) on a free loopback port, run by the test
 * as an unprivileged child process with a generated configuration (mdb database in a temporary folder, the
 * core, cosine, inetorgperson and nis schemas) and a seed LDIF; `stop()` ends it and removes the folder.
 * The test changes the directory with `ldapmodify` as the root DN, as an administrator would.
 */
export class LdapServer {
  readonly rootDn: string;
  readonly rootPassword = 'slapd-root-secret';

  private constructor(
    readonly url: string,
    readonly suffix: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly log: () => string,
  ) {
    this.rootDn = `cn=admin,${suffix}`;
  }

  static available(): boolean {
    return existsSync(SLAPD) && existsSync(SLAPADD) && existsSync(LDAPMODIFY);
  }

  static async start(options: LdapServerOptions = {}): Promise<LdapServer> {
    if (!LdapServer.available()) throw new Error(`${SLAPD} or ${LDAPMODIFY} is missing: install slapd and ldap-utils (.ci/run does)`);
    const suffix = options.suffix ?? 'dc=example,dc=com';
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-slapd-'));
    mkdirSync(join(dir, 'data'));
    const port = await freePort();
    const rootDn = `cn=admin,${suffix}`;
    const top = /^dc=([^,]+)/.exec(suffix)?.[1] ?? 'example';
    writeFileSync(
      join(dir, 'slapd.conf'),
      [
        'include /etc/ldap/schema/core.schema',
        'include /etc/ldap/schema/cosine.schema',
        'include /etc/ldap/schema/inetorgperson.schema',
        'include /etc/ldap/schema/nis.schema',
        'modulepath /usr/lib/ldap',
        'moduleload back_mdb',
        `pidfile ${join(dir, 'slapd.pid')}`,
        `argsfile ${join(dir, 'slapd.args')}`,
        'database mdb',
        `suffix "${suffix}"`,
        `rootdn "${rootDn}"`,
        'rootpw slapd-root-secret',
        `directory ${join(dir, 'data')}`,
        'maxsize 10485760',
        'access to attrs=userPassword by self write by anonymous auth by * none',
        'access to * by * read',
        '',
      ].join('\n'),
    );
    const seed = `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\no: ${top}\ndc: ${top}\n\n${options.seed ?? ''}`;
    writeFileSync(join(dir, 'seed.ldif'), seed);
    const added = spawnSync(SLAPADD, ['-f', join(dir, 'slapd.conf'), '-l', join(dir, 'seed.ldif')], { encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`slapadd failed: ${added.stderr}`);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownTree(dir);
    const url = `ldap://127.0.0.1:${port}`;
    let output = '';
    const child = spawn(SLAPD, ['-f', join(dir, 'slapd.conf'), '-h', `${url}/`, '-d', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? NOBODY : {}),
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const server = new LdapServer(url, suffix, dir, child, () => output);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${output}`);
      if (server.whoami()) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`slapd did not answer on ${url}: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Applies an LDIF of changes (`changetype: add|modify|delete`) as the root DN; throws with ldapmodify's message. */
  modify(ldif: string): void {
    const result = spawnSync(LDAPMODIFY, ['-x', '-H', this.url, '-D', this.rootDn, '-w', this.rootPassword], { input: ldif, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ldapmodify failed (${result.status}): ${result.stderr}\n${ldif}`);
  }

  /** Stops answering (SIGSTOP would hang clients; this ends the process): a directory that is down. */
  async stop(): Promise<void> {
    await stopProcess(this.child, 3000);
    rmSync(this.dir, { recursive: true, force: true });
  }

  output(): string {
    return this.log();
  }

  private whoami(): boolean {
    const result = spawnSync('/usr/bin/ldapwhoami', ['-x', '-H', this.url, '-D', this.rootDn, '-w', this.rootPassword], { encoding: 'utf8', timeout: 2000 });
    return result.status === 0;
  }
}

function chownTree(path: string): void {
  chownSync(path, NOBODY.uid, NOBODY.gid);
  for (const name of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, name.name);
    if (name.isDirectory()) chownTree(child);
    else chownSync(child, NOBODY.uid, NOBODY.gid);
  }
}

/** An inetOrgPerson entry's LDIF (for a seed or an add). */
export function ldapPerson(suffix: string, uid: string, extra: { password?: string; mail?: string; givenName?: string; sn?: string; description?: string } = {}): string {
  return [
    `dn: uid=${uid},ou=people,${suffix}`,
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${extra.givenName ?? uid} ${extra.sn ?? 'Person'}`,
    `sn: ${extra.sn ?? 'Person'}`,
    ...(extra.givenName ? [`givenName: ${extra.givenName}`] : []),
    ...(extra.mail ? [`mail: ${extra.mail}`] : []),
    ...(extra.description ? [`description: ${extra.description}`] : []),
    ...(extra.password ? [`userPassword: ${extra.password}`] : []),
    '',
  ].join('\n');
}

/** A groupOfNames entry's LDIF with its members' DNs. */
export function ldapGroup(suffix: string, cn: string, memberDns: string[]): string {
  return [`dn: cn=${cn},ou=groups,${suffix}`, 'objectClass: groupOfNames', `cn: ${cn}`, ...memberDns.map((m) => `member: ${m}`), ''].join('\n');
}
