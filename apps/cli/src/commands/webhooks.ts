import { Command } from 'commander';
import type {
  CreateWebhookRequest, Page, PageQuery, UpdateWebhookRequest, WebhookDeliveryDetail, WebhookDeliveryView, WebhookSubscriptionView,
  WebhookSubscriptionWithSecret,
} from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { booleanWord, collect, pageQuery, withPaging, withTenant } from './options';

export const WEBHOOK_COLUMNS: Column<WebhookSubscriptionView>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'url', value: (w) => w.url },
  { header: 'events', value: (w) => (w.eventTypes.length ? w.eventTypes.join(' ') : 'all') },
  { header: 'enabled', value: (w) => (w.enabled ? 'yes' : `no (${(w.disabledReason ?? 'MANUAL').toLowerCase()})`) },
  { header: 'failures', value: (w) => String(w.consecutiveFailures) },
];

export const WEBHOOK_DELIVERY_COLUMNS: Column<WebhookDeliveryView>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'seq', value: (d) => String(d.sequence) },
  { header: 'event', value: (d) => d.eventType },
  { header: 'status', value: (d) => d.status },
  { header: 'attempts', value: (d) => String(d.attempts) },
  { header: 'last', value: (d) => (d.lastStatusCode !== null ? String(d.lastStatusCode) : d.lastError ?? '') },
  { header: 'webhook-id', value: (d) => d.webhookId },
];

interface ScopeOptions {
  tenant?: string;
  instance?: boolean;
}

interface SettingsOptions extends ScopeOptions {
  url?: string;
  description?: string;
  event?: string[];
  enabled?: boolean;
}

/** `--tenant <id>` or `--instance` (Super Admins: the instance-level audit events). */
function withScope(command: Command): Command {
  return withTenant(command).option('--instance', "the instance-wide webhooks (instance-level audit events; Super Admins) instead of a tenant's");
}

function basePath(ctx: CommandContext, options: ScopeOptions): string {
  if (options.instance && options.tenant !== undefined) ctx.usageError('give --tenant or --instance, not both');
  return options.instance ? '/api/v1/notifications/webhooks' : `${ctx.tenantBase(options.tenant)}/webhooks`;
}

function settingsBody(options: SettingsOptions): Partial<CreateWebhookRequest> {
  return {
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(options.description !== undefined ? { description: options.description || null } : {}),
    ...(options.event !== undefined ? { eventTypes: options.event.filter((e) => e !== 'all') } : {}),
    ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
  };
}

function withSettings(command: Command, forUpdate: boolean): Command {
  return command
    .option('--description <text>', `description${forUpdate ? "; '' removes it" : ''}`)
    .option('--event <type>', "RESOURCE_TYPE.AUDIT_TYPE to deliver, * in either half (GROUP.CREATE, GROUP.*, *.DELETE; repeatable); 'all' or none: every event", collect)
    .option(forUpdate ? '--enabled <true|false>' : '--enabled [true|false]', 'deliver (true) or hold (false)', booleanWord);
}

/** The secret is in the answer once: print it with a warning on stderr (stdout stays parseable). */
function printWithSecret(ctx: CommandContext, webhook: WebhookSubscriptionWithSecret): void {
  ctx.note('Copy the signing secret now: it is shown only this once and cannot be read back.');
  ctx.print(webhook, () => renderRecord(webhook));
}

export function registerWebhooks(program: Command, context: ContextFactory): void {
  const webhooks = program
    .command('webhooks')
    .description("Signed deliveries of audit events to HTTPS endpoints: a tenant's (needs AUDITLOG) or, with --instance, the instance's (Super Admin)");

  withPaging(withScope(webhooks.command('list').description('Search webhook subscriptions (never their secrets)'))).action(
    async (options: PageQuery & ScopeOptions, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<WebhookSubscriptionView>>('GET', basePath(ctx, options), { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, WEBHOOK_COLUMNS, 'webhooks'));
    },
  );

  withScope(webhooks.command('get').description('Show one webhook subscription').argument('<id>', 'subscription id')).action(
    async (id: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      const webhook = await ctx.api<WebhookSubscriptionView>('GET', `${basePath(ctx, options)}/${encodeURIComponent(id)}`);
      ctx.print(webhook, () => renderRecord(webhook));
    },
  );

  withScope(
    withSettings(webhooks.command('create').description('Subscribe an HTTPS endpoint; the signing secret (whsec_...) is printed once').argument('<url>', 'https URL of the receiver'), false),
  ).action(async (url: string, options: SettingsOptions, command: Command) => {
    const ctx = context(command);
    const webhook = await ctx.api<WebhookSubscriptionWithSecret>('POST', basePath(ctx, options), { body: { ...settingsBody(options), url } });
    printWithSecret(ctx, webhook);
  });

  withScope(
    withSettings(webhooks.command('update').description('Change a subscription (the events given replace the current ones)').argument('<id>', 'subscription id'), true)
      .option('--url <url>', 'new https URL'),
  ).action(async (id: string, options: SettingsOptions, command: Command) => {
    const ctx = context(command);
    const body: Omit<UpdateWebhookRequest, 'id'> = settingsBody(options);
    if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --url, --description, --event or --enabled');
    const webhook = await ctx.api<WebhookSubscriptionView>('PATCH', `${basePath(ctx, options)}/${encodeURIComponent(id)}`, { body });
    ctx.print(webhook, () => renderRecord(webhook));
  });

  withScope(webhooks.command('delete').description('Delete a subscription and its delivery log').argument('<id>', 'subscription id')).action(
    async (id: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `${basePath(ctx, options)}/${encodeURIComponent(id)}`);
      ctx.print({ deleted: id }, () => `Deleted webhook ${id}.\n`);
    },
  );

  withScope(webhooks.command('rotate-secret').description('Issue a new signing secret (printed once); it signs from the next attempt').argument('<id>', 'subscription id')).action(
    async (id: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      printWithSecret(ctx, await ctx.api<WebhookSubscriptionWithSecret>('POST', `${basePath(ctx, options)}/${encodeURIComponent(id)}/secret`));
    },
  );

  withPaging(
    withScope(webhooks.command('deliveries').description("A subscription's delivery log, newest first").argument('<id>', 'subscription id'))
      .option('--status <status>', 'PENDING, SENDING, FAILED, SUCCEEDED or DEAD'),
  ).action(async (id: string, options: PageQuery & ScopeOptions & { status?: string }, command: Command) => {
    const ctx = context(command);
    const page = await ctx.api<Page<WebhookDeliveryView>>('GET', `${basePath(ctx, options)}/${encodeURIComponent(id)}/deliveries`, {
      query: { ...pageQuery(options), status: options.status },
    });
    ctx.print(page, () => renderPage(page, WEBHOOK_DELIVERY_COLUMNS, 'deliveries'));
  });

  withScope(
    webhooks.command('delivery').description('One delivery: the body sent and every attempt').argument('<id>', 'subscription id').argument('<delivery>', 'delivery id'),
  ).action(async (id: string, delivery: string, options: ScopeOptions, command: Command) => {
    const ctx = context(command);
    const detail = await ctx.api<WebhookDeliveryDetail>('GET', `${basePath(ctx, options)}/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(delivery)}`);
    ctx.print(detail, () => renderRecord(detail));
  });

  withScope(
    webhooks.command('redeliver').description('Send a delivered or given-up delivery again (same webhook-id, end of the queue)')
      .argument('<id>', 'subscription id').argument('<delivery>', 'delivery id'),
  ).action(async (id: string, delivery: string, options: ScopeOptions, command: Command) => {
    const ctx = context(command);
    const queued = await ctx.api<WebhookDeliveryView>('POST', `${basePath(ctx, options)}/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(delivery)}/redeliver`);
    ctx.print(queued, () => renderRecord(queued));
  });
}
