import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startHelperProcess } from './helper-process';
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
    const config = { port, clientId, clientSecret, redirectUris: options.redirectUris, accounts: options.accounts };
    const { child, url } = await startHelperProcess('oidc-test-idp-process', { OIDC_TEST_IDP: JSON.stringify(config) }, 'the test IdP');
    return new OidcTestIdp(url, clientId, clientSecret, child);
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
