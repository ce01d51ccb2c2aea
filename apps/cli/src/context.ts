import { Command } from 'commander';
import { DEFAULT_TENANT_SEGMENT, MFA_PROBLEMS, TENANT_ID_PATTERN, type TokenPair } from '@gatehouse/contracts';
import { ApiError, FetchFn, HttpClient, QueryValue } from './http-client';
import { OperatorConnector, OperatorRpc, operatorTargetFromEnv } from './operator/operator-rpc';
import { OutputFormat, renderJson } from './output';
import { EXIT_USAGE } from './report';

export const DEFAULT_SERVER = 'http://localhost:8080';

/** Everything the CLI touches outside itself, so that it can run in-process in unit specs. */
export interface CliIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
  fetch: FetchFn;
  /** Opens the connection of an operator command: NATS, or local mode's operator socket. */
  connectOperator: OperatorConnector;
  /** Whether something is at `path`, local mode's operator socket perhaps (also true when it cannot be looked at). */
  operatorSocketAt(path: string): boolean;
}

export interface GlobalOptions {
  server?: string;
  token?: string;
  user?: string;
  passwordStdin?: boolean;
  otp?: string;
  output: OutputFormat;
}

/** What a command action works with: the resolved global options, an HTTP client and the printer. */
export class CommandContext {
  readonly client: HttpClient;
  readonly output: OutputFormat;

  constructor(private readonly command: Command, private readonly io: CliIo) {
    const options = command.optsWithGlobals<GlobalOptions>();
    this.output = options.output;
    const server = options.server ?? io.env.GATEHOUSE_SERVER ?? DEFAULT_SERVER;
    if (!/^https?:\/\/[^/]/i.test(server)) this.usageError('--server must be an http:// or https:// URL');
    try {
      new URL(server);
    } catch {
      this.usageError('--server is not a valid URL');
    }
    this.client = new HttpClient(server, io.fetch);
  }

  /** Options that make a command talk to a gateway: --server, --token, --user (or their variables). */
  remoteRequested(): boolean {
    const options = this.command.optsWithGlobals<GlobalOptions>();
    return !!(options.server || options.token || options.user || this.io.env.GATEHOUSE_SERVER || this.io.env.GATEHOUSE_TOKEN);
  }

  /** Operator commands talk to the services directly: a gateway option would be silently ignored, so it is refused. */
  refuseRemoteOptions(allowed: ReadonlyArray<keyof GlobalOptions> = []): void {
    const options = this.command.optsWithGlobals<GlobalOptions>();
    const given = (['server', 'token', 'user', 'passwordStdin'] as const).filter((name) => options[name] !== undefined && !allowed.includes(name));
    if (given.length > 0) {
      const flags = given.map((name) => (name === 'passwordStdin' ? '--password-stdin' : `--${name}`)).join(', ');
      this.usageError(`${flags}: this is an operator command; it talks to the services directly (over NATS, or local mode's operator socket), not to a gateway`);
    }
  }

  /** Runs `work` over a fresh connection (NATS, or local mode's operator socket) as the trusted operator, and closes it. */
  async withOperator<T>(work: (rpc: OperatorRpc) => Promise<T>): Promise<T> {
    const rpc = await this.io.connectOperator(operatorTargetFromEnv(this.io.env, (path) => this.io.operatorSocketAt(path)));
    try {
      return await work(rpc);
    } finally {
      await rpc.close();
    }
  }

  /** One authenticated call to the gateway. */
  async api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { query?: Record<string, QueryValue>; body?: unknown } = {}): Promise<T> {
    const token = await this.accessToken();
    return this.client.request<T>(method, path, { ...options, token });
  }

  /** `/api/v1/<tenant>`: --tenant, else GATEHOUSE_TENANT, else `default` (the default tenant). */
  tenantBase(tenant: string | undefined): string {
    const id = tenant ?? this.io.env.GATEHOUSE_TENANT ?? DEFAULT_TENANT_SEGMENT;
    if (!TENANT_ID_PATTERN.test(id)) this.usageError(`--tenant must be a tenant id (lowercase letters, digits, dashes) or "${DEFAULT_TENANT_SEGMENT}"`);
    return `/api/v1/${id}`;
  }

  /** A note for the person at the terminal (stderr, so that stdout stays parseable). */
  note(text: string): void {
    this.io.writeErr(`${text}\n`);
  }

  /** Prints a result: as JSON for `--output json`, else the command's table rendering. */
  print(value: unknown, table: () => string): void {
    this.io.writeOut(this.output === 'json' ? renderJson(value) : table());
  }

  /** A usage error of this command: message, usage text, exit code 2. */
  usageError(message: string): never {
    return this.command.error(`error: ${message}`, { exitCode: EXIT_USAGE, code: 'gatehouse.usage' });
  }

  /** Reads a secret given as `-` from stdin; any other value is returned as is. */
  async secret(value: string): Promise<string> {
    if (value !== '-') return value;
    const fromStdin = await this.readStdinLine();
    if (!fromStdin) this.usageError('expected a password on stdin');
    return fromStdin;
  }

  /** The access token to send: --token, else a sign-in with --user, else GATEHOUSE_TOKEN. */
  async accessToken(): Promise<string> {
    const options = this.command.optsWithGlobals<GlobalOptions>();
    if (options.passwordStdin && !options.user) this.usageError('--password-stdin needs --user <username>');
    if (options.token) return options.token;
    if (options.user) {
      const { username, password } = await this.credentials(options);
      try {
        return (await this.client.post<TokenPair>('/api/v1/login', { username, password })).accessToken;
      } catch (error) {
        const mfaToken = error instanceof ApiError && String(error.problem.type).endsWith(`/${MFA_PROBLEMS.mfaRequired}`) ? error.problem['mfaToken'] : undefined;
        if (typeof mfaToken !== 'string') throw error;
        if (!options.otp) this.usageError('this account has a second factor: add --otp <code> (or use --token with an API token)');
        const factor = /^\d{6}$/.test(options.otp) ? { code: options.otp } : { recoveryCode: options.otp };
        return (await this.client.post<TokenPair>('/api/v1/login/mfa', { mfaToken, ...factor })).accessToken;
      }
    }
    if (this.io.env.GATEHOUSE_TOKEN) return this.io.env.GATEHOUSE_TOKEN;
    return this.usageError('not signed in: pass --token <access token> or --user <username:password> (or set GATEHOUSE_TOKEN)');
  }

  private async credentials(options: GlobalOptions): Promise<{ username: string; password: string }> {
    const user = options.user ?? '';
    if (options.passwordStdin) {
      if (user.includes(':')) this.usageError('with --password-stdin, give --user <username> without a password');
      const password = await this.readStdinLine();
      if (!password) this.usageError('--password-stdin: no password on stdin');
      return { username: user, password };
    }
    const colon = user.indexOf(':');
    // Never echo the value: it holds a password.
    if (colon <= 0 || colon === user.length - 1) {
      this.usageError('--user must be <username>:<password> (or --user <username> --password-stdin)');
    }
    return { username: user.slice(0, colon), password: user.slice(colon + 1) };
  }

  private stdinLines?: string[];

  /** The next line of stdin (stdin is read once; each secret takes one line). */
  private async readStdinLine(): Promise<string> {
    this.stdinLines ??= (await this.io.readStdin()).split(/\r?\n/);
    return this.stdinLines.shift() ?? '';
  }
}

/** Builds the context of the command being run (global options are resolved per invocation). */
export type ContextFactory = (command: Command) => CommandContext;
