import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caddyForwardAuthSite, nginxForwardAuthServer } from '@gatehouse/testing';

/**
 * docs/forward-auth.md's copy-paste configurations for nginx and Caddy are the ones the e2e suite runs in
 * front of real nginx and Caddy (libs/testing's ingress.ts), with the documentation's host names.
 */
describe('docs/forward-auth.md', () => {
  const doc = readFileSync(join(__dirname, '../../docs/forward-auth.md'), 'utf8');
  const site = { port: 80, upstream: 'http://app:3000', gatehouse: 'http://gatehouse:8080' };

  it('shows the nginx configuration the e2e suite runs', () => {
    expect(doc).toContain(nginxForwardAuthServer(site, 'app').replace('listen 127.0.0.1:80;', 'listen 80;'));
  });

  it('shows the Caddy configuration the e2e suite runs', () => {
    expect(doc).toContain(caddyForwardAuthSite(site).replace('http://127.0.0.1:80 {', 'app.example.com {'));
  });
});
