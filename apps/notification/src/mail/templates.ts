import {
  AccountLocked, ApiTokenExpiring, EmailChanged, EmailVerificationRequested, InvitationCreated, MfaReset, NotificationTemplate, PasswordResetRequested,
  UserCreated, WebhookDisabled,
} from '@gatehouse/contracts';

/**
 * Every email Gatehouse sends, in one place. Each template turns an event's data into a subject, a
 * plain-text body and an HTML body. Values interpolated into `html\`...\`` are escaped; links are
 * built only from PUBLIC_BASE_URL and URL-encoded tokens.
 */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateContext {
  /** PUBLIC_BASE_URL without a trailing slash. */
  baseUrl: string;
}

/** An event's data as a template reads it: the link's secret opened (`token`); events carry it sealed. */
export type WithLinkToken<T> = Omit<T, 'sealedToken'> & { token: string };

export interface TemplateData {
  'forgotten-password': WithLinkToken<PasswordResetRequested>;
  'admin-password-reset': WithLinkToken<PasswordResetRequested>;
  invitation: WithLinkToken<InvitationCreated>;
  'account-locked': AccountLocked;
  welcome: UserCreated;
  'api-token-expiring': ApiTokenExpiring;
  'verify-email': WithLinkToken<EmailVerificationRequested>;
  'email-change-requested': Omit<EmailVerificationRequested, 'sealedToken'>;
  'email-changed': EmailChanged;
  'mfa-reset': MfaReset;
  'webhook-disabled': WebhookDisabled;
}

const PRODUCT = 'Gatehouse';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class SafeHtml {
  constructor(readonly value: string) {}
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Tagged template: every interpolated value is escaped unless it is already SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  return new SafeHtml(
    strings.reduce((out, part, i) => {
      if (i === 0) return part;
      const value = values[i - 1];
      return out + (value instanceof SafeHtml ? value.value : escapeHtml(value)) + part;
    }, ''),
  );
}

/** One line, no control characters: safe in a Subject header and in plain text. */
const oneLine = (value: unknown): string => String(value ?? '').replace(/\p{Cc}+/gu, ' ').trim();

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? oneLine(iso) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const resetPasswordLink = (ctx: TemplateContext, token: string): string =>
  `${ctx.baseUrl}/ui/reset-password?token=${encodeURIComponent(token)}`;
export const verifyEmailLink = (ctx: TemplateContext, token: string): string =>
  `${ctx.baseUrl}/ui/verify-email?token=${encodeURIComponent(token)}`;
export const acceptInvitationLink = (ctx: TemplateContext, token: string): string =>
  `${ctx.baseUrl}/ui/invitations/accept?token=${encodeURIComponent(token)}`;

const button = (href: string, label: string): SafeHtml =>
  html`<p style="margin:24px 0"><a href="${href}" style="background:#1f4fd1;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none">${label}</a></p>
<p style="color:#555;font-size:13px">If the button does not work, paste this address into your browser:<br>${href}</p>`;

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;max-width:560px;margin:0 auto;padding:24px">
<h2 style="margin-top:0">${title}</h2>
${body}
<p style="color:#888;font-size:12px;margin-top:32px">${PRODUCT} sent this email automatically; replies are not read.</p>
</body></html>`.value;
}

const greeting = (name: string | null | undefined): string => `Hello ${oneLine(name) || 'there'},`;

/** The address-confirmation emails: the account's own (creation, resend) and the new address of a change. */
const ADDRESS_TEMPLATES = {
  'verify-email': (d: TemplateData['verify-email'], ctx: TemplateContext): RenderedEmail => {
    const link = verifyEmailLink(ctx, d.token);
    const expires = formatDate(d.expiresAt);
    const change = d.reason === 'EMAIL_CHANGE';
    const title = change ? `Confirm your new ${PRODUCT} email address` : `Confirm your ${PRODUCT} email address`;
    const why = change
      ? `You asked to change the email address of your ${PRODUCT} account (${oneLine(d.username)}) to this one. The change applies once you confirm it.`
      : `Confirm that this address belongs to your ${PRODUCT} account (${oneLine(d.username)}). Password reset links are only sent to confirmed addresses.`;
    return {
      subject: title,
      text: `Hello,

${why}
Confirm it here (the link works once, until ${expires}):

${link}

If this was not you, ignore this email.
`,
      html: layout(title, html`<p>Hello,</p>
<p>${why} The link works once, until ${expires}.</p>
${button(link, 'Confirm this address')}
<p>If this was not you, ignore this email.</p>`),
    };
  },

  'email-change-requested': (d: TemplateData['email-change-requested'], ctx: TemplateContext): RenderedEmail => {
    const profile = `${ctx.baseUrl}/ui/me`;
    return {
      subject: `A change of your ${PRODUCT} email address was requested`,
      text: `${greeting(d.username)}

Someone signed in to your ${PRODUCT} account asked to change its email address to ${oneLine(d.email)}.
Nothing changes until that address confirms it; this address stays the account's meanwhile.

If this was not you, sign in, withdraw the change on your profile (${profile}) and change your password.
`,
      html: layout(`Your email address may change`, html`<p>${greeting(d.username)}</p>
<p>Someone signed in to your ${PRODUCT} account asked to change its email address to <strong>${d.email}</strong>.
Nothing changes until that address confirms it; this address stays the account's meanwhile.</p>
${button(profile, 'Review my profile')}
<p>If this was not you, withdraw the change on your profile and change your password.</p>`),
    };
  },

  'email-changed': (d: EmailChanged, ctx: TemplateContext): RenderedEmail => {
    const line = d.by === 'ADMIN'
      ? `An administrator changed the email address of your ${PRODUCT} account to ${oneLine(d.email)}.`
      : `The email address of your ${PRODUCT} account is now ${oneLine(d.email)}: the change was confirmed from that address.`;
    const signIn = `${ctx.baseUrl}/ui/login`;
    return {
      subject: `Your ${PRODUCT} email address was changed`,
      text: `${greeting(d.username)}

${line}
This address no longer receives the account's emails.

If this was not you, contact your administrator at once.
`,
      html: layout(`Your email address was changed`, html`<p>${greeting(d.username)}</p>
<p>${line}</p>
<p>This address no longer receives the account's emails. If this was not you, contact your administrator at once.</p>
${button(signIn, 'Sign in')}`),
    };
  },
};

export const TEMPLATES: { [K in NotificationTemplate]: (data: TemplateData[K], ctx: TemplateContext) => RenderedEmail } = {
  'forgotten-password': (d, ctx) => {
    const link = resetPasswordLink(ctx, d.token);
    const expires = formatDate(d.expiresAt);
    return {
      subject: `Reset your ${PRODUCT} password`,
      text: `${greeting(d.username)}

Someone (hopefully you) asked to reset the password of your ${PRODUCT} account.
Choose a new password here (the link works once, until ${expires}):

${link}

If you did not ask for this, ignore this email: your password stays unchanged.
`,
      html: layout(`Reset your ${PRODUCT} password`, html`<p>${greeting(d.username)}</p>
<p>Someone (hopefully you) asked to reset the password of your ${PRODUCT} account. The link works once, until ${expires}.</p>
${button(link, 'Choose a new password')}
<p>If you did not ask for this, ignore this email: your password stays unchanged.</p>`),
    };
  },

  'admin-password-reset': (d, ctx) => {
    const link = resetPasswordLink(ctx, d.token);
    const expires = formatDate(d.expiresAt);
    const by = d.requestedBy ? ` (${oneLine(d.requestedBy)})` : '';
    return {
      subject: `Action required: set a new ${PRODUCT} password`,
      text: `${greeting(d.username)}

An administrator${by} requires you to set a new password for your ${PRODUCT} account.
Choose it here (the link works once, until ${expires}):

${link}

Until you do, you cannot sign in with your current password. If the link has expired, use "Forgotten password?" on the sign-in page.
`,
      html: layout(`Set a new ${PRODUCT} password`, html`<p>${greeting(d.username)}</p>
<p>An administrator${by} requires you to set a new password for your ${PRODUCT} account. The link works once, until ${expires}.</p>
${button(link, 'Set a new password')}
<p>Until you do, you cannot sign in with your current password. If the link has expired, use “Forgotten password?” on the sign-in page.</p>`),
    };
  },

  invitation: (d, ctx) => {
    const link = acceptInvitationLink(ctx, d.token);
    const tenant = d.tenantId ? oneLine(d.tenantId) : 'the default tenant';
    // invitedBy may be a bare subject id, which means nothing to the reader
    const by = d.invitedBy && !UUID.test(d.invitedBy) ? ` by ${oneLine(d.invitedBy)}` : '';
    const expires = formatDate(d.expiresAt);
    return {
      subject: `You are invited to ${tenant} on ${PRODUCT}`,
      text: `Hello,

You have been invited${by} to join ${tenant} on ${PRODUCT}.
Accept the invitation here (valid until ${expires}):

${link}

If you do not have an account yet, you will create one when you accept. If you did not expect this invitation, ignore this email.
`,
      html: layout(`You are invited to ${tenant}`, html`<p>Hello,</p>
<p>You have been invited${by} to join <strong>${tenant}</strong> on ${PRODUCT}. The invitation is valid until ${expires}.</p>
${button(link, 'Accept the invitation')}
<p>If you do not have an account yet, you will create one when you accept. If you did not expect this invitation, ignore this email.</p>`),
    };
  },

  'account-locked': (d, ctx) => {
    const until = formatDate(d.lockedUntil);
    const forgotten = `${ctx.baseUrl}/ui/forgotten-password`;
    return {
      subject: `Your ${PRODUCT} account is locked`,
      text: `${greeting(d.username)}

Your ${PRODUCT} account was locked after too many failed sign-in attempts. It unlocks by itself at ${until}.
To unlock it now, reset your password: ${forgotten}

If these attempts were not yours, someone may be guessing your password; tell your administrator.
`,
      html: layout(`Your ${PRODUCT} account is locked`, html`<p>${greeting(d.username)}</p>
<p>Your ${PRODUCT} account was locked after too many failed sign-in attempts. It unlocks by itself at ${until}.</p>
${button(forgotten, 'Reset my password')}
<p>If these attempts were not yours, someone may be guessing your password; tell your administrator.</p>`),
    };
  },

  welcome: (d, ctx) => {
    const signIn = `${ctx.baseUrl}/ui/login`;
    return {
      subject: `Welcome to ${PRODUCT}`,
      text: `${greeting(d.firstName ?? d.username)}

An account was created for you on ${PRODUCT}. Your username is: ${oneLine(d.username)}
Sign in here: ${signIn}

If you were not given a password, use "Forgotten password?" on the sign-in page to choose one.
`,
      html: layout(`Welcome to ${PRODUCT}`, html`<p>${greeting(d.firstName ?? d.username)}</p>
<p>An account was created for you on ${PRODUCT}. Your username is <strong>${d.username}</strong>.</p>
${button(signIn, 'Sign in')}
<p>If you were not given a password, use “Forgotten password?” on the sign-in page to choose one.</p>`),
    };
  },

  'api-token-expiring': (d, ctx) => {
    const expires = formatDate(d.expiresAt);
    const tokens = `${ctx.baseUrl}/ui/me/api-tokens`;
    return {
      subject: `Your ${PRODUCT} API token "${oneLine(d.name)}" expires soon`,
      text: `Hello,

The API token "${oneLine(d.name)}" expires at ${expires}. Anything that uses it will then be refused.
Create a new token and replace the old one before then: ${tokens}
`,
      html: layout(`An API token expires soon`, html`<p>Hello,</p>
<p>The API token <strong>${d.name}</strong> expires at ${expires}. Anything that uses it will then be refused.</p>
${button(tokens, 'Manage API tokens')}
<p>Create a new token and replace the old one before then.</p>`),
    };
  },

  'mfa-reset': (d: MfaReset, ctx: TemplateContext): RenderedEmail => {
    const by = d.resetBy ? ` (${oneLine(d.resetBy)})` : '';
    const security = `${ctx.baseUrl}/ui/me`;
    return {
      subject: `Your ${PRODUCT} second factors were reset`,
      text: `${greeting(d.username)}

An administrator${by} removed the second factors of your ${PRODUCT} account: the authenticator app, the passkeys and the recovery codes.
Set up a new authenticator app or passkey on your profile (your next sign-in asks for it if your organisation requires one): ${security}

If you did not ask for this, change your password and contact your administrator at once.
`,
      html: layout(`Your second factors were reset`, html`<p>${greeting(d.username)}</p>
<p>An administrator${by} removed the second factors of your ${PRODUCT} account: the authenticator app, the passkeys and the recovery codes.
Set up a new authenticator app or passkey (your next sign-in asks for it if your organisation requires one).</p>
${button(security, 'Set up a new factor')}
<p>If you did not ask for this, change your password and contact your administrator at once.</p>`),
    };
  },

  'webhook-disabled': (d: WebhookDisabled, ctx: TemplateContext): RenderedEmail => {
    const where = d.scope === 'INSTANCE' ? 'instance-wide' : `of tenant ${oneLine(d.tenantId ?? 'default')}`;
    const why = d.reason === 'FAILURES'
      ? `its last ${Number(d.consecutiveFailures)} delivery attempts failed in a row${d.lastError ? ` (last: ${oneLine(d.lastError)})` : ''}`
      : 'the administrator it delivers for can no longer read the audit trail';
    const page = d.scope === 'INSTANCE'
      ? `${ctx.baseUrl}/ui/admin/webhooks/${UUID.test(d.subscriptionId) ? d.subscriptionId : ''}`
      : `${ctx.baseUrl}/ui/t/${encodeURIComponent(d.tenantId ?? 'default')}/webhooks/${UUID.test(d.subscriptionId) ? d.subscriptionId : ''}`;
    return {
      subject: `A ${PRODUCT} webhook was disabled`,
      text: `${greeting(d.username)}

The webhook ${where} that delivers audit events to ${oneLine(d.url)} was disabled on ${formatDate(d.disabledAt)}: ${why}.
Events are no longer queued for it; deliveries already queued wait. Fix the receiver, then enable the webhook again: ${page}
`,
      html: layout('A webhook was disabled', html`<p>${greeting(d.username)}</p>
<p>The webhook ${where} that delivers audit events to <code>${oneLine(d.url)}</code> was disabled on ${formatDate(d.disabledAt)}: ${why}.</p>
<p>Events are no longer queued for it; deliveries already queued wait. Fix the receiver, then enable the webhook again.</p>
${button(page, 'Open the webhook')}`),
    };
  },

  ...ADDRESS_TEMPLATES,
};

export function renderEmail(template: NotificationTemplate, data: unknown, ctx: TemplateContext): RenderedEmail {
  return (TEMPLATES[template] as (d: unknown, c: TemplateContext) => RenderedEmail)(data, ctx);
}
