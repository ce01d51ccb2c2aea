import { Command } from 'commander';
import type { MfaFactorsView, MfaResetResult, RecoveryCodes, TotpConfirmation, TotpEnrolment } from '@gatehouse/contracts';
import { toString as qrText } from 'qrcode';
import { ContextFactory } from '../context';
import { renderRecord } from '../output';
import { userId } from './lookup';

const codesText = (codes: string[]) => `${codes.join('\n')}\n`;

/**
 * `gatehouse me mfa list|totp enrol|totp confirm <code>|totp remove|recovery-codes regenerate`: your own
 * second factors. A user with a second factor cannot use `--user` (Basic cannot carry it): use `--token`.
 */
export function registerMfaCommands(me: Command, context: ContextFactory): void {
  const mfa = me.command('mfa').description('Your second factors (authenticator app, recovery codes)');

  mfa.command('list').description('Show your second factors (never their secrets)').action(async (_options: unknown, command: Command) => {
    const ctx = context(command);
    const view = await ctx.api<MfaFactorsView>('GET', '/api/v1/me/mfa');
    ctx.print(view, () =>
      renderRecord({
        enabled: view.enabled,
        'authenticator app': view.totp ? (view.totp.confirmed ? `confirmed ${view.totp.confirmedAt}` : 'awaiting confirmation') : 'none',
        'recovery codes': view.recoveryCodes ? `${view.recoveryCodes.remaining} left` : 'none',
      }),
    );
  });

  const totp = mfa.command('totp').description('Your authenticator app (TOTP)');
  totp.command('enrol').alias('enroll').description('Set up an authenticator app: prints its QR code and secret once; confirm with `totp confirm <code>`')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const enrolment = await ctx.api<TotpEnrolment>('POST', '/api/v1/me/mfa/totp');
      ctx.note('Scan the QR code (or type the secret) in your authenticator app, then run: gatehouse me mfa totp confirm <code>');
      const { qrCode: _image, ...shown } = enrolment;
      const qr = await qrText(enrolment.otpauthUri, { type: 'terminal', small: true });
      ctx.print(shown, () => `${qr}\n${renderRecord(shown)}`);
    });
  totp.command('confirm').description('Confirm the authenticator app with the code it shows now (the first factor prints your recovery codes once)')
    .argument('<code>', 'the 6-digit code')
    .action(async (code: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const confirmed = await ctx.api<TotpConfirmation>('POST', '/api/v1/me/mfa/totp/confirm', { body: { code } });
      if (confirmed.recoveryCodes) ctx.note('Keep these recovery codes somewhere safe: each works once, and they are shown only now.');
      ctx.print(confirmed, () => (confirmed.recoveryCodes ? codesText(confirmed.recoveryCodes) : 'Authenticator app confirmed.\n'));
    });
  totp.command('remove').description('Remove your authenticator app').action(async (_options: unknown, command: Command) => {
    const ctx = context(command);
    await ctx.api<void>('DELETE', '/api/v1/me/mfa/totp');
    ctx.print({ removed: true }, () => 'Authenticator app removed.\n');
  });

  mfa.command('recovery-codes').description('Your recovery codes')
    .command('regenerate').description('Print a new set of recovery codes once; the previous ones stop working')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const codes = await ctx.api<RecoveryCodes>('POST', '/api/v1/me/mfa/recovery-codes');
      ctx.note('Keep these recovery codes somewhere safe: each works once, and they are shown only now.');
      ctx.print(codes, () => codesText(codes.codes));
    });
}

/**
 * `gatehouse users mfa reset <user> [--tenant <id>]`: an administrator's reset of a user who lost their
 * factors (authenticator app, passkeys, recovery codes); the user is emailed at a verified address.
 */
export function registerUserMfaCommands(users: Command, context: ContextFactory): void {
  const mfa = users.command('mfa').description("A user's second factors (an account action: within your reach)");
  mfa
    .command('reset')
    .description("Remove a user's authenticator app, passkeys and recovery codes (they sign in with the password, then set up new ones)")
    .argument('<user>', 'user id, username or email')
    .option('--tenant <id>', 'as a tenant Admin: a user of this tenant (who must be in no tenant outside your reach)')
    .action(async (ref: string, options: { tenant?: string }, command: Command) => {
      const ctx = context(command);
      const root = options.tenant === undefined ? '/api/v1' : ctx.tenantBase(options.tenant);
      const id = await userId(ctx, ref, options.tenant === undefined ? undefined : root);
      const result = await ctx.api<MfaResetResult>('POST', `${root}/users/${id}/mfa-reset`);
      ctx.print(result, () =>
        renderRecord({
          user: result.userId,
          'authenticator app removed': result.removed.totp,
          'passkeys removed': result.removed.passkeys,
          'recovery codes removed': result.removed.recoveryCodes,
          'user emailed': result.notified ? 'yes' : 'no (no verified address)',
        }),
      );
    });
}
