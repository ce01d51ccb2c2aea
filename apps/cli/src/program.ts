import { Command, Option } from 'commander';
import { registerAuditLogs } from './commands/auditlogs';
import { registerAuths } from './commands/auths';
import { registerBindings } from './commands/bindings';
import { registerGroups } from './commands/groups';
import { registerInvitations } from './commands/invitations';
import { registerMe } from './commands/me';
import { registerIdentityProviders } from './commands/identity-providers';
import { registerIntegrations } from './commands/integrations';
import { registerOAuthClients } from './commands/oauth-clients';
import { registerRoles } from './commands/roles';
import { registerServiceAccounts } from './commands/service-accounts';
import { registerSetup } from './commands/setup';
import { registerTenants } from './commands/tenants';
import { registerUsers } from './commands/users';
import { registerWebhooks } from './commands/webhooks';
import { CliIo, CommandContext, DEFAULT_SERVER } from './context';
import { OUTPUT_FORMATS } from './output';
import { EXIT_OK, reportError } from './report';

export const CLI_VERSION = '0.1.0';

/** The whole command tree. Settings made on the program before `.command()` are inherited by every subcommand. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('gatehouse')
    .description('Command line of Gatehouse: remote commands through a gateway (--server with --token or --user), operator commands on a server host, over NATS or local mode\'s operator socket (auths, tenants create)')
    .version(CLI_VERSION, '-V, --version', 'print the CLI version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.writeOut(text),
      writeErr: (text) => io.writeErr(text),
      outputError: (text, write) => write(text),
    })
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true })
    .option('--server <url>', `gateway URL (env GATEHOUSE_SERVER, default ${DEFAULT_SERVER})`)
    .addOption(new Option('--token <token>', 'API token or access token to send (env GATEHOUSE_TOKEN)').conflicts('user'))
    .option('--user <username:password>', 'sign in with this user for the command (the password is never printed)')
    .option('--password-stdin', 'read the password of --user from stdin')
    .option('--otp <code>', "with --user: the authenticator app's code (or a recovery code) when the account has a second factor")
    .addOption(new Option('--output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'));

  const context = (command: Command) => new CommandContext(command, io);
  registerSetup(program, context);
  registerTenants(program, context);
  registerUsers(program, context);
  registerMe(program, context);
  registerAuths(program, context);
  registerServiceAccounts(program, context);
  registerOAuthClients(program, context);
  registerWebhooks(program, context);
  registerIntegrations(program, context);
  registerIdentityProviders(program, context);
  registerGroups(program, context);
  registerRoles(program, context);
  registerBindings(program, context);
  registerInvitations(program, context);
  registerAuditLogs(program, context);
  return program;
}

/** Runs one invocation and returns its exit code: 0 ok, 1 refused or failed, 2 usage error. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, (text) => io.writeErr(text));
  }
}
