import { Command, Option } from 'commander';
import { registerMe } from './commands/me';
import { registerSetup } from './commands/setup';
import { registerTenants } from './commands/tenants';
import { registerUsers } from './commands/users';
import { CliIo, CommandContext, DEFAULT_SERVER } from './context';
import { OUTPUT_FORMATS } from './output';
import { EXIT_OK, reportError } from './report';

export const CLI_VERSION = '0.1.0';

/** The whole command tree. Settings made on the program before `.command()` are inherited by every subcommand. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('gatehouse')
    .description('Command-line client of a Gatehouse gateway')
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
    .addOption(new Option('--token <access token>', 'access token to send (env GATEHOUSE_TOKEN)').conflicts('user'))
    .option('--user <username:password>', 'sign in with this user for the command')
    .option('--password-stdin', 'read the password of --user from stdin')
    .addOption(new Option('--output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'));

  const context = (command: Command) => new CommandContext(command, io);
  registerSetup(program, context);
  registerTenants(program, context);
  registerUsers(program, context);
  registerMe(program, context);
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
