import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { api, bearer, TestBrowser, unique } from '@gatehouse/testing';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { newPage } from './console-support';

/**
 * An application's sign-in through an identity provider from the OpenID provider's interaction page, in Chromium:
 * a first-party OAuth client of the tenant (no consent) whose redirect URI is a page of the test's, the
 * authorization request, `atIdp` on the interaction page (choose the provider, sign in there), and the code
 * exchanged: the application's id_token claims.
 */
export async function applicationSignIn(browser: TestBrowser, adminToken: string, tenant: string, atIdp: (page: Page) => Promise<void>): Promise<Record<string, unknown>> {
  const receiver: Server = createServer((_req, res) => res.end('back at the application'));
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const redirectUri = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
  try {
    const app = (await api().post(`/api/v1/${tenant}/oauth-clients`).set(...bearer(adminToken))
      .send({ name: unique('app'), type: 'confidential', firstParty: true, redirectUris: [redirectUri] }).expect(201)).body;
    const config = await client.discovery(new URL(process.env.E2E_ISSUER as string), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorize = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
    });
    const page = await newPage(browser);
    await page.goto(authorize.href);
    await atIdp(page);
    await page.waitForURL((url) => url.href.startsWith(redirectUri), { timeout: 20_000 });
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    await page.context().close();
    return tokens.claims() as Record<string, unknown>;
  } finally {
    await new Promise((done) => receiver.close(done));
  }
}
