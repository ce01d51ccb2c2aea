import { Command, InvalidArgumentError } from 'commander';
import { AUDIT_TYPES, type AuditLogView, type Page, type PageQuery } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { Column, renderPage } from '../output';
import { pageQuery, withPaging, withTenant } from './options';

export const AUDIT_COLUMNS: Column<AuditLogView>[] = [
  { header: 'at', value: (a) => a.at },
  { header: 'type', value: (a) => a.type },
  { header: 'resource', value: (a) => `${a.resourceType}${a.resourceId ? `:${a.resourceId}` : ''}` },
  { header: 'actor', value: (a) => `${a.actor.type}:${a.actor.username ?? a.actor.id ?? '-'}` },
  { header: 'ip', value: (a) => a.ip },
];

interface SearchOptions extends PageQuery {
  tenant?: string;
  instance?: boolean;
  actor?: string;
  type?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
}

function auditType(value: string): string {
  const upper = value.toUpperCase();
  if (!(AUDIT_TYPES as readonly string[]).includes(upper)) throw new InvalidArgumentError(`expected one of ${AUDIT_TYPES.join(', ')}`);
  return upper;
}

function instant(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected an ISO-8601 date or instant, e.g. 2025-01-31 or 2025-01-31T12:00:00Z');
  return value;
}

export function registerAuditLogs(program: Command, context: ContextFactory): void {
  const audit = program.command('auditlogs').alias('audit').description('The audit trail: who changed what, where and when (needs AUDITLOG)');

  withPaging(
    withTenant(audit.command('search').description("Search a tenant's audit trail (or, with --instance, the instance-level one)"))
      .option('--instance', 'instance-level entries: tenants and users')
      .option('--actor <id>', 'entries by this user or service account (id)')
      .option('--type <type>', `one of ${AUDIT_TYPES.join(', ')}`, auditType)
      .option('--resource-type <type>', 'e.g. ROLE, BINDING, GROUP, SERVICE_ACCOUNT, TENANT, USER')
      .option('--resource-id <id>', 'entries about this resource')
      .option('--from <instant>', 'from this instant (inclusive)', instant)
      .option('--to <instant>', 'until this instant (exclusive)', instant),
  ).action(async (options: SearchOptions, command: Command) => {
    const ctx = context(command);
    if (options.instance && options.tenant) ctx.usageError('--instance and --tenant exclude each other');
    const base = options.instance ? '/api/v1' : ctx.tenantBase(options.tenant);
    const page = await ctx.api<Page<AuditLogView>>('GET', `${base}/auditlogs/search`, {
      query: {
        ...pageQuery(options),
        actor: options.actor, type: options.type, resourceType: options.resourceType, resourceId: options.resourceId,
        from: options.from, to: options.to,
      },
    });
    ctx.print(page, () => renderPage(page, AUDIT_COLUMNS, 'entries'));
  });
}
