import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { stopProcess } from './system';

export interface OidcTestIdpOptions {
  /** The redirect URIs of its one client (Gatehouse's `<issuer>/ui/federation/callback`). */
  redirectUris: string[];
  /** Accounts by id (the sub): their claims (email, email_verified, preferred_username, groups…) and the `amr` a sign-in asserts. */
  accounts: Record<string, Record<string, unknown> & { amr?: string[] }>;
}

/**
 * A separate OpenID Connect provider for the federation e2e suites: oidc-provider (the certified Node
 * implementation) in a process of its own on a free loopback port (`dist/libs/testing/src/oidc-test-idp-process.js`,
 * so `npm run build` first), with one confidential client and a sign-in page where a browser names an account.
 */
export class OidcTestIdp {
  private constructor(readonly issuer: string, readonly clientId: string, readonly clientSecret: string, private readonly child: ChildProcess) {}

  static async start(options: OidcTestIdpOptions): Promise<OidcTestIdp> {
    const port = await freePort();
    const clientId = `gatehouse-${randomBytes(4).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('base64url');
    const root = resolve(process.env.GATEHOUSE_ROOT ?? process.cwd());
    const config = { port, clientId, clientSecret, redirectUris: options.redirectUris, accounts: options.accounts };
    const child = spawn(process.execPath, [join(root, 'dist/libs/testing/src/oidc-test-idp-process.js')], {
      env: { PATH: process.env.PATH, OIDC_TEST_IDP: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const ready = new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`the test IdP did not start: ${output}`)), 20_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /ready (\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(match[1]);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`the test IdP exited (${code}): ${output}`));
      });
    });
    return new OidcTestIdp(await ready, clientId, clientSecret, child);
  }

  /** Disables an account at the IdP (deprovisioned): its next sign-in there is refused (access_denied). */
  async disable(account: string): Promise<void> {
    const done = new Promise<void>((acknowledged) => {
      const listen = (chunk: Buffer) => {
        if (chunk.toString().includes(`disabled ${account}`)) {
          this.child.stdout?.off('data', listen);
          acknowledged();
        }
      };
      this.child.stdout?.on('data', listen);
    });
    this.child.stdin?.write(`disable ${account}\n`);
    await done;
  }

  async stop(): Promise<void> {
    await stopProcess(this.child, 3000);
  }
}
