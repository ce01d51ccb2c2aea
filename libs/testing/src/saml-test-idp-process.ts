import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { escapeXml as escape, idpMetadata, MintRequest, mintSamlResponse, SamlTestAccount } from './saml-responses';

/**
 * A separate SAML 2.0 identity provider for the federation e2e suite, run as its own process by SamlTestIdp:
 * its metadata (`/metadata`), SP-initiated sign-in by the HTTP-Redirect binding (`/sso`: a page naming an
 * account, then an auto-posting form to the SP's ACS, HTTP-POST binding), and, for the suite, `/responses`:
 * a response minted on demand, signed or spoiled as asked (unsigned, altered after signing, expired, another
 * audience, recipient or destination). Assertions are signed with xml-crypto (RSA-SHA256, exclusive c14n).
 * Configuration from SAML_TEST_IDP (JSON): { port, key, cert (PEM), accounts: { nameId: { attributes, authnContext } } }.
 */
interface IdpConfig {
  port: number;
  key: string;
  cert: string;
  accounts: Record<string, SamlTestAccount>;
}

const config = JSON.parse(process.env.SAML_TEST_IDP ?? '{}') as IdpConfig;
const base = `http://127.0.0.1:${config.port}`;
const idp = { entityId: `${base}/idp`, ssoUrl: `${base}/sso`, key: config.key, cert: config.cert };
const mint = (request: MintRequest) => mintSamlResponse(idp, config.accounts[request.account] ?? {}, request);

/** The AuthnRequest of the redirect binding: its id, ACS URL and issuer (the SP's entity id). */
function authnRequestOf(query: URLSearchParams): { id: string; acsUrl: string; issuer: string } {
  const xml = inflateRawSync(Buffer.from(query.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const attribute = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
  const issuer = /<(?:saml:)?Issuer[^>]*>([^<]*)</.exec(xml)?.[1] ?? '';
  return { id: attribute('ID'), acsUrl: attribute('AssertionConsumerServiceURL'), issuer };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  // No kept-alive connections: a loaded machine's client could reuse one the server is closing.
  res.writeHead(status, { 'content-type': type, connection: 'close' });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', base);
  if (req.method === 'GET' && url.pathname === '/metadata') return send(res, 200, 'application/samlmetadata+xml', idpMetadata(idp));
  if (req.method === 'GET' && url.pathname === '/sso') {
    const request = authnRequestOf(url.searchParams);
    const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escape(value)}">`;
    return send(res, 200, 'text/html', `<!doctype html><html><head><title>Test SAML IdP sign-in</title></head><body>
<h1>Test SAML IdP</h1><form method="post" action="/sso/login">
${hidden('id', request.id)}${hidden('acsUrl', request.acsUrl)}${hidden('issuer', request.issuer)}${hidden('RelayState', url.searchParams.get('RelayState') ?? '')}
<label for="account">Account</label><input id="account" name="account" autofocus>
<button type="submit">Sign in at the SAML IdP</button></form></body></html>`);
  }
  if (req.method === 'POST' && url.pathname === '/sso/login') {
    const form = new URLSearchParams(await bodyOf(req));
    const acsUrl = form.get('acsUrl') ?? '';
    const samlResponse = mint({ inResponseTo: form.get('id') ?? '', acsUrl, audience: form.get('issuer') ?? '', account: form.get('account') ?? '' });
    return send(res, 200, 'text/html', `<!doctype html><html><body onload="document.forms[0].submit()">
<form method="post" action="${escape(acsUrl)}"><input type="hidden" name="SAMLResponse" value="${samlResponse}"><input type="hidden" name="RelayState" value="${escape(form.get('RelayState') ?? '')}">
<noscript><button type="submit">Continue</button></noscript></form></body></html>`);
  }
  if (req.method === 'POST' && url.pathname === '/responses') {
    return send(res, 200, 'application/json', JSON.stringify({ SAMLResponse: mint(JSON.parse(await bodyOf(req)) as MintRequest) }));
  }
  if (req.method === 'GET' && url.pathname === '/authn-request') {
    return send(res, 200, 'application/json', JSON.stringify(authnRequestOf(url.searchParams)));
  }
  send(res, 404, 'text/plain', 'not found');
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => send(res, 500, 'text/plain', String(error)));
});
server.listen(config.port, '127.0.0.1', () => process.stdout.write(`ready ${base}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
