import { NOTIFICATION_TEMPLATES } from '@gatehouse/contracts';
import { escapeHtml, html, renderEmail, TemplateData } from '../templates';

const ctx = { baseUrl: 'https://iam.example.com' };
const evil = '<script>alert("x")</script>\r\nBcc: victim@example.com';

const samples: TemplateData = {
  'forgotten-password': {
    userId: 'u1', email: 'a@example.com', username: evil, token: 'tok/en+1=', expiresAt: '2030-01-02T03:04:05Z', reason: 'FORGOTTEN_PASSWORD',
  },
  'admin-password-reset': {
    userId: 'u1', email: 'a@example.com', username: 'alice', token: 'abc', expiresAt: '2030-01-02T03:04:05Z', reason: 'ADMIN_REQUEST',
    requestedBy: evil,
  },
  invitation: { invitationId: 'i1', tenantId: evil, email: 'b@example.com', token: 'inv', expiresAt: '2030-01-02T03:04:05Z', invitedBy: evil },
  'account-locked': { userId: 'u1', email: 'a@example.com', username: evil, lockedUntil: '2030-01-02T03:04:05Z' },
  welcome: { userId: 'u1', email: 'a@example.com', username: evil, firstName: evil },
  'api-token-expiring': { tokenId: 't1', name: evil, ownerEmail: 'a@example.com', expiresAt: '2030-01-02T03:04:05Z' },
  'verify-email': {
    userId: 'u1', username: evil, email: 'new@example.com', token: 'v/e+1=', expiresAt: '2030-01-02T03:04:05Z', reason: 'EMAIL_CHANGE', previousEmail: 'a@example.com',
  },
  'email-change-requested': {
    userId: 'u1', username: evil, email: evil, token: 'secret-token', expiresAt: '2030-01-02T03:04:05Z', reason: 'EMAIL_CHANGE', previousEmail: 'a@example.com',
  } as TemplateData['email-change-requested'],
  'email-changed': { userId: 'u1', username: evil, previousEmail: 'a@example.com', email: evil, by: 'CONFIRMED' },
  'mfa-reset': { userId: 'u1', username: evil, email: 'a@example.com', resetBy: evil },
  'webhook-disabled': {
    subscriptionId: '0b6f3c1e-6a1d-4c52-9f3e-0d3d3f6a1b2c', scope: 'TENANT', tenantId: evil, url: `https://hooks.example.com/${evil}`, reason: 'FAILURES',
    consecutiveFailures: 10, lastError: evil, disabledAt: '2030-01-02T03:04:05Z', username: evil,
  },
};

describe('email templates', () => {
  it.each(NOTIFICATION_TEMPLATES)('%s renders a one-line subject, text and HTML with user data escaped', (template) => {
    const email = renderEmail(template, samples[template], ctx);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.text.length).toBeGreaterThan(50);
    expect(email.html).toContain('<html>');
    expect(email.html).not.toContain('<script>');
    expect(email.text).not.toMatch(/\r\nBcc:/);
  });

  it('tells why a webhook was disabled and links its page in the tenant (or at instance level)', () => {
    const sample = samples['webhook-disabled'];
    const email = renderEmail('webhook-disabled', { ...sample, tenantId: 'acme' }, ctx);
    expect(email.subject).toBe('A Gatehouse webhook was disabled');
    expect(email.text).toContain('its last 10 delivery attempts failed in a row');
    expect(email.text).toContain(`https://iam.example.com/ui/t/acme/webhooks/${sample.subscriptionId}`);
    const instance = renderEmail('webhook-disabled', { ...sample, scope: 'INSTANCE', tenantId: undefined, reason: 'OWNER_LOST_ACCESS' }, ctx);
    expect(instance.text).toContain(`https://iam.example.com/ui/admin/webhooks/${sample.subscriptionId}`);
    expect(instance.text).toContain('can no longer read the audit trail');
  });

  it('links the reset page with the URL-encoded token under PUBLIC_BASE_URL', () => {
    const email = renderEmail('forgotten-password', samples['forgotten-password'], ctx);
    expect(email.text).toContain('https://iam.example.com/ui/reset-password?token=tok%2Fen%2B1%3D');
    expect(email.html).toContain('href="https://iam.example.com/ui/reset-password?token=tok%2Fen%2B1%3D"');
    expect(email.text).toContain('2030-01-02 03:04 UTC');
  });

  it('links the verification page with the URL-encoded token; the notice to the old address never carries the link', () => {
    const verify = renderEmail('verify-email', samples['verify-email'], ctx);
    expect(verify.text).toContain('https://iam.example.com/ui/verify-email?token=v%2Fe%2B1%3D');
    expect(verify.subject).toBe('Confirm your new Gatehouse email address');
    const notice = renderEmail('email-change-requested', samples['email-change-requested'], ctx);
    expect(notice.text + notice.html).not.toContain('secret-token');
  });

  it('links the forgotten-password page from the account-locked email', () => {
    const email = renderEmail('account-locked', samples['account-locked'], ctx);
    expect(email.text).toContain('https://iam.example.com/ui/forgotten-password');
    expect(email.html).toContain('href="https://iam.example.com/ui/forgotten-password"');
  });

  it('links the invitation acceptance page', () => {
    const email = renderEmail('invitation', { ...samples.invitation, tenantId: 'acme' }, ctx);
    expect(email.text).toContain('https://iam.example.com/ui/invitations/accept?token=inv');
    expect(email.subject).toBe('You are invited to acme on Gatehouse');
  });

  it('names the inviter only when the event carries a name, not a bare id', () => {
    const named = renderEmail('invitation', { ...samples.invitation, tenantId: 'acme', invitedBy: 'alice' }, ctx);
    expect(named.text).toContain('invited by alice to join acme');
    const id = renderEmail('invitation', { ...samples.invitation, tenantId: 'acme', invitedBy: '7d444840-9dc0-11d1-b245-5ffdce74fad2' }, ctx);
    expect(id.text).toContain('You have been invited to join acme');
  });

  it('tells the forgotten-password and admin-requested resets apart', () => {
    expect(renderEmail('admin-password-reset', samples['admin-password-reset'], ctx).text).toContain('An administrator');
    expect(renderEmail('forgotten-password', samples['forgotten-password'], ctx).text).not.toContain('An administrator');
  });

  it('escapes interpolated values, never the template itself', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    expect(html`<b>${'<i>'}</b>${html`<br>`}`.value).toBe('<b>&#60;i&#62;</b><br>');
  });
});
