import { Command } from 'commander';
import type { EmailVerificationSent, UserView } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { renderRecord } from '../output';

/** `gatehouse me email change <new>|resend|cancel`: own email changes, applied once the new address confirms them. */
export function registerOwnEmailCommands(me: Command, context: ContextFactory): void {
  const email = me.command('email').description('Your email address: change it (confirmed from the new address), resend the link, withdraw a change');
  email
    .command('change')
    .description('Ask to change your email: a confirmation link goes to the new address, a notice to the current one')
    .argument('<new-email>', 'the new address')
    .requiredOption('--password <password>', 'your current password; "-" reads it from stdin')
    .action(async (newEmail: string, options: { password: string }, command: Command) => {
      const ctx = context(command);
      const sent = await ctx.api<EmailVerificationSent>('POST', '/api/v1/me/email', { body: { email: newEmail, password: await ctx.secret(options.password) } });
      ctx.print(sent, () => `A confirmation link was sent to ${sent.email} (valid until ${sent.expiresAt}). Your address changes once it is used.\n`);
    });
  email
    .command('resend')
    .description('Send the confirmation link again (the pending change, else your unverified address)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const sent = await ctx.api<EmailVerificationSent>('POST', '/api/v1/me/email/verification');
      ctx.print(sent, () => `A confirmation link was sent to ${sent.email} (valid until ${sent.expiresAt}).\n`);
    });
  email
    .command('cancel')
    .description('Withdraw your pending email change')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const user = await ctx.api<UserView>('DELETE', '/api/v1/me/email/pending');
      ctx.print(user, () => renderRecord(user));
    });
}
