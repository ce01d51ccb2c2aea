import { createHmac } from 'node:crypto';
import { webhookEventTypeMatches, WEBHOOK_EVENT_TYPE_PATTERN } from '@gatehouse/contracts';
import { Webhook } from 'standardwebhooks';
import { DestinationPolicy, parseNetworks } from '@gatehouse/service-runtime';
import { signedHeaders } from '../webhook-sender';

describe('DestinationPolicy: where webhooks may go', () => {
  const strict = new DestinationPolicy('', false);

  it.each([
    '127.0.0.1', '10.0.0.8', '172.20.1.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1',
    'fd00:ec2::254', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '[::ffff:127.0.0.1]',
  ])('refuses %s by default', (address) => {
    expect(strict.addressRefusal(address)).toMatch(/private, loopback, link-local or reserved/);
  });

  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111'])('lets %s through', (address) => {
    expect(strict.addressRefusal(address)).toBeNull();
  });

  it('lets the allowed networks through, and loopback with the development setting', () => {
    const allowing = new DestinationPolicy('10.20.0.0/16, fd00:1::/64, 192.0.2.7', false);
    expect(allowing.addressRefusal('10.20.3.4')).toBeNull();
    expect(allowing.addressRefusal('10.21.3.4')).not.toBeNull();
    expect(allowing.addressRefusal('fd00:1::9')).toBeNull();
    expect(allowing.addressRefusal('192.0.2.7')).toBeNull();
    expect(allowing.addressRefusal('127.0.0.1')).not.toBeNull();
    expect(new DestinationPolicy('', true).addressRefusal('127.0.0.1')).toBeNull();
    expect(new DestinationPolicy('', true).addressRefusal('10.0.0.1')).not.toBeNull();
  });

  it('judges URLs: https only (http to loopback with the development setting), no credentials or fragment, no refused literal', () => {
    expect(strict.urlProblem('https://hooks.example.com/in?x=1')).toBeNull();
    expect(strict.urlProblem('http://hooks.example.com/in')).toBe('url must use https');
    expect(strict.urlProblem('ftp://hooks.example.com/in')).toBe('url must use https');
    expect(strict.urlProblem('https://a:b@hooks.example.com/')).toMatch(/user name or password/);
    expect(strict.urlProblem('https://hooks.example.com/#x')).toMatch(/fragment/);
    expect(strict.urlProblem('https://169.254.169.254/latest')).toMatch(/169\.254\.169\.254 is a private/);
    expect(strict.urlProblem('https://localhost/in')).toMatch(/loopback/);
    expect(strict.urlProblem('nope')).toMatch(/absolute URL/);
    const dev = new DestinationPolicy('', true);
    expect(dev.urlProblem('http://localhost:3000/in')).toBeNull();
    expect(dev.urlProblem('http://127.0.0.1:3000/in')).toBeNull();
    expect(dev.urlProblem('http://[::1]:3000/in')).toBeNull();
    expect(dev.urlProblem('http://hooks.example.com/in')).toMatch(/http only to a loopback host/);
  });

  it('parses network lists and refuses what is not one', () => {
    expect(parseNetworks('10.0.0.0/8, ::1')).toEqual([['10.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]);
    expect(parseNetworks('')).toEqual([]);
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x']) expect(parseNetworks(bad)).toBeNull();
  });
});

describe('webhook event types and signatures', () => {
  it('filters on RESOURCE.TYPE with * in either half; none = every event', () => {
    expect(webhookEventTypeMatches([], 'GROUP.CREATE')).toBe(true);
    expect(webhookEventTypeMatches(['GROUP.*'], 'GROUP.DELETE')).toBe(true);
    expect(webhookEventTypeMatches(['*.DELETE'], 'GROUP.DELETE')).toBe(true);
    expect(webhookEventTypeMatches(['GROUP.CREATE', 'USER.*'], 'ROLE.CREATE')).toBe(false);
    expect(WEBHOOK_EVENT_TYPE_PATTERN.test('SERVICE_ACCOUNT.LOGIN_FAILURE')).toBe(true);
    expect(WEBHOOK_EVENT_TYPE_PATTERN.test('GROUP.CREATED')).toBe(false);
    expect(WEBHOOK_EVENT_TYPE_PATTERN.test('group.create')).toBe(false);
  });

  it('signs id.timestamp.body with the secret bytes (Standard Webhooks v1), and the reference library verifies it', () => {
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const at = new Date();
    const body = JSON.stringify({ type: 'GROUP.CREATE', data: { id: 'e1' } });
    const headers = signedHeaders({ url: 'https://x.example.com', webhookId: 'e1', body, secret }, at);
    const expected = createHmac('sha256', Buffer.alloc(32, 3)).update(`e1.${Math.floor(at.getTime() / 1000)}.${body}`).digest('base64');
    expect(headers).toMatchObject({ 'webhook-id': 'e1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': `v1,${expected}` });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });
});
