import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { Configuration } from 'oidc-provider';

/**
 * A separate OpenID Connect provider for the federation e2e suites (oidc-provider, the certified Node
 * implementation), run as its own process by OidcTestIdp: its accounts, one confidential client, and a sign-in
 * page of its own (a plain form naming the account, no password) whose result carries the account's `amr`;
 * an account the test disables (stdin) is refused there with access_denied.
 * Configuration from OIDC_TEST_IDP (JSON): { port, clientId, clientSecret, redirectUris, accounts: { id: claims } }.
 */
interface IdpConfig {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  accounts: Record<string, Record<string, unknown> & { amr?: string[] }>;
}

const config = JSON.parse(process.env.OIDC_TEST_IDP ?? '{}') as IdpConfig;
/** Accounts the test disabled (a line `disable <id>` on stdin): their sign-in is refused with access_denied. */
const disabled = new Set<string>();
const issuer = `http://127.0.0.1:${config.port}`;

const page = (uid: string) => `<!doctype html><html><head><title>Test IdP sign-in</title></head><body>
<h1>Test IdP</h1><form method="post" action="/interaction/${uid}/login">
<label for="account">Account</label><input id="account" name="account" autofocus>
<button type="submit">Sign in at the IdP</button></form></body></html>`;

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function providerOf(): Promise<Provider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-idp', use: 'sig', alg: 'RS256' }] },
    clients: [{
      client_id: config.clientId, client_secret: config.clientSecret, redirect_uris: config.redirectUris, response_types: ['code'], grant_types: ['authorization_code'],
    }],
    pkce: { required: () => true },
    // The id_token carries only the claims of the scopes asked: acr and amr with openid's.
    claims: { openid: ['sub', 'acr', 'amr'], email: ['email', 'email_verified'], profile: ['preferred_username', 'given_name', 'family_name', 'name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // Every claim of the granted scopes in the id_token, as many providers do (Entra ID, Keycloak).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    findAccount: async (_ctx, id) => {
      const account = config.accounts[id];
      if (!account) return undefined;
      const { amr: _amr, ...claims } = account;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['gatehouse-test-idp-cookie-key'] },
  };
  return new Provider(issuer, configuration);
}

/** The sign-in page (GET) and its form (POST): the named account signs in, consenting to what was asked. */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec((req.url ?? '').split('?')[0]);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  if (!match[2]) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid));
    return true;
  }
  const account = (await formBody(req)).get('account') ?? '';
  if (!config.accounts[account]) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('no such account');
    return true;
  }
  if (disabled.has(account)) {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'This account is disabled' }, { mergeWithLastSubmission: false });
    return true;
  }
  const grant = new provider.Grant({ accountId: account, clientId: details.params.client_id as string });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const amr = config.accounts[account].amr;
  await provider.interactionFinished(req, res, { login: { accountId: account, ...(amr ? { amr } : {}) }, consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: false });
  return true;
}

async function main(): Promise<void> {
  const provider = await providerOf();
  const callback = provider.callback();
  createServer((req, res) => {
    interaction(provider, req, res)
      .then((handled) => (handled ? undefined : callback(req, res)))
      .catch((error: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error.message);
      });
  }).listen(config.port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
  let input = '';
  process.stdin.on('data', (chunk: Buffer) => {
    input += chunk.toString();
    for (let end = input.indexOf('\n'); end >= 0; end = input.indexOf('\n')) {
      const [command, id] = input.slice(0, end).trim().split(' ');
      input = input.slice(end + 1);
      if (command === 'disable') {
        disabled.add(id);
        process.stdout.write(`disabled ${id}\n`);
      }
    }
  });
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
