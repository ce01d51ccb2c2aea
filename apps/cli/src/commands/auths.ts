import { Command } from 'commander';
import { IdentityRpc, TenancyRpc, TENANT_ID_PATTERN, DEFAULT_TENANT_SEGMENT, type UserView } from '@gatehouse/contracts';
import { CommandContext, ContextFactory, GlobalOptions } from '../context';
import { ApiError } from '../http-client';
import { applyAccess, planAccess, tenantLabel } from '../operator/user-access';
import { renderRecord } from '../output';
import { booleanWord, collect } from './options';

const OPERATOR_HELP = `
Operator command: it talks to the services directly, on a server host, without the gateway: over
NATS, or through local mode's operator socket (npm start: <data folder>/operator.sock, its owner only).
Environment:
  GATEHOUSE_OPERATOR_SOCKET  local mode's operator socket; when set, NATS is not used
  GATEHOUSE_DATA_DIR         local mode's data folder (default .data): with NATS_URL unset, its
                             operator.sock is used when it exists
  NATS_URL                   NATS server(s), comma-separated (default nats://localhost:4222)
  NATS_USER                  the operator user of the NATS configuration
  NATS_PASSWORD              its password`;

interface CreateOptions {
  tenant?: string;
  admin?: boolean;
  instanceAdmin?: boolean;
  superadmin?: boolean;
  groups?: string[];
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** `--tenant` of an operator command: an id, or `default` / absent = the default tenant (null). */
function operatorTenant(ctx: CommandContext, tenant: string | undefined): string | null {
  if (tenant === undefined || tenant === DEFAULT_TENANT_SEGMENT) return null;
  if (!TENANT_ID_PATTERN.test(tenant)) ctx.usageError('--tenant must be a tenant id: 2-63 lowercase letters, digits and dashes');
  return tenant;
}

async function password(ctx: CommandContext, command: Command, given: string | undefined): Promise<string> {
  const fromStdin = command.optsWithGlobals<GlobalOptions>().passwordStdin;
  if (fromStdin && given !== undefined) ctx.usageError('give the password either as an argument or with --password-stdin, not both');
  if (fromStdin) return ctx.secret('-');
  if (given === undefined) ctx.usageError('missing password: give it as the second argument, or "-" / --password-stdin to read it from stdin');
  return ctx.secret(given);
}

export function registerAuths(program: Command, context: ContextFactory): void {
  const auths = program.command('auths').description('Operator commands for users and their access (over NATS or local mode\'s socket, no gateway)');
  const users = auths.command('users').description('Create users, grant admin access, sync access (operator, no gateway)');

  users
    .command('create')
    .description('Create a user and give it access; re-running it on an existing user applies the access to that user')
    .argument('<username>', 'username (an email address, or give --email)')
    .argument('[password]', 'initial password; "-" reads it from stdin (or use --password-stdin)')
    .option('--tenant <id>', 'tenant of --admin and --groups (default: the default tenant)')
    .option('--admin', "bind the tenant's managed Admin role")
    .option('--instance-admin', 'bind the instance-level Instance Admin role (with --tenant, also Admin of that tenant)')
    .option('--superadmin', 'make the user a Super Admin')
    .option('--groups <groups>', 'add the user to these groups of the tenant, by name (repeat or separate with commas)', collect)
    .option('--email <email>', 'email address (required unless the username is one)')
    .option('--first-name <name>', 'first name')
    .option('--last-name <name>', 'last name')
    .addHelpText('after', `${OPERATOR_HELP}

Examples:
  $ gatehouse auths users create prod.admin@kestra.io TopSecret42 --tenant=prod --admin
  $ gatehouse auths users create ops@example.com - --tenant=prod --instance-admin < password.txt
  $ gatehouse auths users create ci@example.com --password-stdin --groups=bots,deployers`)
    .action(async (username: string, given: string | undefined, options: CreateOptions, command: Command) => {
      const ctx = context(command);
      ctx.refuseRemoteOptions(['passwordStdin']);
      const secret = await password(ctx, command, given);
      const tenantId = operatorTenant(ctx, options.tenant);
      const request = {
        tenantId,
        admin: !!options.admin,
        instanceAdmin: !!options.instanceAdmin,
        superAdmin: !!options.superadmin,
        groups: options.groups ?? [],
      };
      const result = await ctx.withOperator(async (rpc) => {
        const plan = await planAccess(rpc, request);
        let user: UserView;
        let created = true;
        try {
          user = await rpc.call(IdentityRpc.createUser, {
            username, password: secret, email: options.email, firstName: options.firstName, lastName: options.lastName,
            ...(request.superAdmin ? { superAdmin: true } : {}),
          });
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 409)) throw error;
          // Scripted installs are re-run: the user exists, so apply the access to it (never its password).
          user = await rpc.call(IdentityRpc.findUserByUsername, { username }).catch(() => {
            throw error;
          });
          created = false;
        }
        const outcome = await applyAccess(rpc, user, { ...plan, superAdmin: plan.superAdmin && !created });
        if (created && request.superAdmin) outcome.granted.unshift('Super Admin');
        return { user: await rpc.call(IdentityRpc.getUser, { id: user.id }), created, ...outcome };
      });
      ctx.print(result, () => {
        const lines = [
          result.created
            ? `Created user ${result.user.username} (${result.user.id}).`
            : `User ${result.user.username} (${result.user.id}) exists already: its password was left unchanged; applied the requested access to it.`,
          ...result.granted.map((g) => `Granted: ${g}.`),
          ...result.unchanged.map((g) => `Already had: ${g}.`),
        ];
        if (!request.admin && !request.instanceAdmin && !request.superAdmin && request.groups.length === 0) {
          lines.push(`No access was requested: the user has none in ${tenantLabel(tenantId)} until a role or group is given.`);
        }
        return `${lines.join('\n')}\n`;
      });
    });

  users
    .command('sync-access')
    .description('Give users that had access before multi-tenancy was enabled their access in the default tenant (idempotent)')
    .addHelpText('after', OPERATOR_HELP)
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      ctx.refuseRemoteOptions();
      const result = await ctx.withOperator((rpc) => rpc.call(TenancyRpc.syncAccess, {}));
      ctx.print(result, () => {
        const role = (result as { defaultRole?: string | null }).defaultRole;
        const lines = [`Users examined: ${result.usersExamined}`, `Users granted access to the default tenant: ${result.usersGranted}`];
        if (role !== undefined) lines.push(`Default role given: ${role ?? '- (no role of the default tenant is marked default; nobody could be granted)'}`);
        return `${lines.join('\n')}\n`;
      });
    });

  users
    .command('set-superadmin')
    .description('Grant or revoke the Super Admin flag of a user')
    .argument('<username>', 'username or email')
    .argument('<value>', 'true or false', booleanWord)
    .addHelpText('after', `${OPERATOR_HELP}\n\nExample:\n  $ gatehouse auths users set-superadmin root@example.com true`)
    .action(async (username: string, value: boolean, _options: unknown, command: Command) => {
      const ctx = context(command);
      ctx.refuseRemoteOptions();
      const user = await ctx.withOperator(async (rpc) => {
        const found = await rpc.call(IdentityRpc.findUserByUsername, { username });
        if (found.superAdmin === value) return found;
        return rpc.call(IdentityRpc.updateUser, { id: found.id, superAdmin: value });
      });
      ctx.print(user, () => renderRecord(user));
    });
}
