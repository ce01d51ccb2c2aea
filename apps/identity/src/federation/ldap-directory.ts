import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, PeerCertificate } from 'node:tls';
import { ConnectionStep, ConnectionTestResult, LdapSettingsView } from '@gatehouse/contracts';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import { Client, createClient, EqualityFilter, InvalidCredentialsError, parseFilter, SearchEntry } from 'ldapjs';

/** LDAP settings with every default applied, and the bind password opened. */
export type LdapConfig = LdapSettingsView & { bindPassword: string };

export const LDAP_DEFAULTS = {
  startTls: false,
  caCertificate: null,
  bindDn: '',
  userFilter: '(|(uid={login})(mail={login}))',
  activeFilter: null,
  groupBase: null,
  groupFilter: '(|(member={dn})(uniqueMember={dn}))',
  groupNameAttribute: 'cn',
  emailVerified: false,
  timeoutMs: 2000,
  poolSize: 4,
  attributes: { id: 'entryUUID', username: 'uid', email: 'mail', firstName: 'givenName', lastName: 'sn' },
} as const;

/** A directory entry as a sign-in reads it. */
export interface DirectoryUser {
  dn: string;
  externalId: string;
  username: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  active: boolean;
  /** Names and DNs of the groups the entry is in (lower case). */
  groups: string[];
}

type FailedStep = Exclude<ConnectionStep, 'ok'>;

/** A failure of one step of talking to the directory; `unavailable` when the directory could not be reached at all. */
export class DirectoryError extends Error {
  constructor(readonly step: FailedStep, message: string) {
    super(message);
  }

  /** The directory is down or unreachable (503), not a wrong answer about a user. */
  get unavailable(): boolean {
    return this.step === 'dns' || this.step === 'connect' || this.step === 'tls' || this.step === 'url';
  }
}

/** Sign-in names the directory is asked about: no control characters (NUL) or backslashes, which no directory name needs. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const ASKABLE = /^[^\u0000-\u001f\u007f\\]{1,254}$/;

export function isAskable(login: string): boolean {
  return ASKABLE.test(login);
}

/** A value placed in a filter, escaped by ldapjs's own filter encoder (RFC 4515). */
function escaped(value: string): string {
  const text = new EqualityFilter({ attribute: 'x', value }).toString();
  return text.slice('(x='.length, -1);
}

/** A filter template with its placeholders filled, parsed by ldapjs (a template that does not parse is a `search` failure). */
export function fillFilter(template: string, values: Record<string, string>): string {
  const filled = template.replace(/\{(login|dn)\}/g, (_, name: string) => escaped(values[name] ?? ''));
  return parseFilter(filled).toString();
}

/** A host's addresses (the system's resolver; tests give their own). */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Every address a host resolves to, each admitted by the outbound policy (the connection then goes to one of
 * them, so a name resolving elsewhere later is not followed): `dns` when it does not resolve, `url` when refused.
 */
export async function checkedAddresses(host: string, policy: DestinationPolicy, resolve: Resolver = systemResolver): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : await resolve(host);
  } catch (error) {
    throw new DirectoryError('dns', `DNS: ${host} does not resolve (${(error as { code?: string }).code ?? (error as Error).message})`);
  }
  for (const address of addresses) {
    const refusal = policy.addressRefusal(address);
    if (refusal) throw new DirectoryError('url', `${host} resolves to ${refusal}`);
  }
  return addresses;
}

function classify(error: unknown, during: FailedStep): DirectoryError {
  if (error instanceof DirectoryError) return error;
  const err = error as { code?: unknown; name?: string; message?: string };
  const message = err?.message ?? String(error);
  if (typeof err?.code === 'string' && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(err.code)) return new DirectoryError('tls', `TLS: ${message}`);
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message) && during !== 'bind' && during !== 'search') return new DirectoryError('tls', `TLS: ${message}`);
  if (typeof err?.code === 'string' && /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE)$/.test(err.code)) {
    return new DirectoryError('connect', `cannot connect: ${err.code}`);
  }
  // A connection lost or an answer that never came, whatever the operation: the directory is not there.
  if (err?.name === 'ConnectionError' || err?.name === 'TimeoutError' || /timeout|timed out|closed|connection/i.test(message)) {
    return new DirectoryError('connect', `cannot reach the directory during ${during}: ${message}`);
  }
  return new DirectoryError(during, `${during}: ${message}`);
}

function firstValue(entry: SearchEntry, attribute: string): string | null {
  const attr = entry.attributes.find((a) => a.type.toLowerCase() === attribute.toLowerCase());
  if (!attr) return null;
  // Active Directory's binary identifiers are read as their bytes.
  if (/^object(guid|sid)$/i.test(attribute)) {
    const buffer = (attr as unknown as { buffers: Buffer[] }).buffers?.[0];
    return buffer ? buffer.toString('hex') : null;
  }
  const values = (attr as unknown as { values: string[] }).values;
  return values.length > 0 && values[0] !== '' ? values[0] : null;
}

/**
 * One provider's directory, over ldapjs: connections go only to addresses the outbound policy admits (the
 * host is resolved here and the connection made to the address, TLS still checking the name), with
 * ldaps or StartTLS (plain LDAP only to an allowed loopback host). Searches run as the service account on
 * pooled connections; a password is verified by a bind as the user's entry on a connection of its own.
 */
export class LdapDirectory {
  private readonly idle: Client[] = [];
  private open = 0;
  private readonly waiting: Array<(client: Client | null) => void> = [];
  private closed = false;

  constructor(readonly config: LdapConfig, private readonly policy: DestinationPolicy) {}

  /** What is wrong with the URL as written (saved settings are checked with it); null when it may be used. */
  static urlProblem(url: string, startTls: boolean, policy: DestinationPolicy): string | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'ldap.url must be an absolute URL (ldaps://directory.example.com)';
    }
    if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') return 'ldap.url must use ldaps:// or ldap:// with startTls';
    if (parsed.username || parsed.password || (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search || parsed.hash) {
      return 'ldap.url must be ldaps://host[:port] only (no user, path, query or fragment)';
    }
    if (parsed.protocol === 'ldap:' && !startTls && !(policy.loopbackAllowed && policy.isLoopbackHost(parsed.hostname))) {
      return 'ldap.url must use ldaps://, or ldap:// with startTls (plain LDAP only to a loopback host, with FEDERATION_ALLOW_LOOPBACK)';
    }
    return policy.hostProblem(parsed.hostname, 'ldap.url');
  }

  /** Verifies a password by a bind as the entry, on a connection of its own; a refusal is a `bind` DirectoryError. */
  async verifyPassword(dn: string, password: string): Promise<void> {
    // An empty password would be an unauthenticated bind, which succeeds without proving anything (RFC 4513 §5.1.2).
    if (password.length === 0) throw new DirectoryError('bind', 'bind: invalid credentials');
    const client = await this.connect();
    try {
      await this.bind(client, dn, password);
    } finally {
      client.destroy();
    }
  }

  /** The entry of a sign-in name with its groups, found as the service account. */
  async findUser(login: string): Promise<DirectoryUser | null> {
    const { attributes } = this.config;
    const wanted = [...new Set(Object.values(attributes))];
    const entries = await this.withPooled((client) =>
      this.search(client, this.config.userBase, fillFilter(this.config.userFilter, { login }), wanted, 2),
    );
    if (entries.length === 0) return null;
    if (entries.length > 1) throw new DirectoryError('search', `search: the user filter matches ${entries.length} entries for this name; it must match one`);
    const [entry] = entries;
    const dn = entry.objectName?.toString() ?? '';
    const active = this.config.activeFilter
      ? (await this.withPooled((client) => this.search(client, dn, parseFilter(this.config.activeFilter as string).toString(), ['1.1'], 1, 'base'))).length > 0
      : true;
    return {
      dn,
      externalId: firstValue(entry, attributes.id) ?? dn.toLowerCase(),
      username: firstValue(entry, attributes.username),
      email: firstValue(entry, attributes.email),
      firstName: firstValue(entry, attributes.firstName),
      lastName: firstValue(entry, attributes.lastName),
      active,
      groups: await this.groupsOf(dn, login),
    };
  }

  /** Each step of reaching the directory, stopping at the first that fails; with a login, its search and groups too. */
  async test(login?: string): Promise<ConnectionTestResult> {
    const steps: ConnectionTestResult['steps'] = [];
    const fail = (error: unknown, during: FailedStep): ConnectionTestResult => {
      const problem = classify(error, during);
      steps.push({ step: problem.step, ok: false, detail: problem.message });
      return { ok: false, step: problem.step, detail: problem.message, steps };
    };
    let client: Client;
    try {
      const target = await this.resolve();
      steps.push({ step: 'dns', ok: true, detail: `${target.host} resolves to ${target.address}` });
      client = await this.connect(target);
      steps.push({ step: 'connect', ok: true, detail: `connected to ${target.address}:${target.port}` });
      steps.push({ step: 'tls', ok: true, detail: target.secure || this.config.startTls ? 'TLS established, certificate verified' : 'plain LDAP (loopback, allowed)' });
    } catch (error) {
      return fail(error, 'connect');
    }
    try {
      if (this.config.bindDn) await this.bind(client, this.config.bindDn, this.config.bindPassword);
      steps.push({ step: 'bind', ok: true, detail: this.config.bindDn ? `bound as ${this.config.bindDn}` : 'anonymous' });
    } catch (error) {
      client.destroy();
      return fail(error, 'bind');
    }
    try {
      const found = await this.search(client, this.config.userBase, login ? fillFilter(this.config.userFilter, { login }) : '(objectClass=*)', ['1.1'], 1, login ? 'sub' : 'base');
      if (!login && found.length === 0) throw new DirectoryError('search', `search: ${this.config.userBase} does not exist or cannot be read`);
      if (login && found.length === 0) throw new DirectoryError('search', `search: no entry under ${this.config.userBase} matches ${login}`);
      steps.push({ step: 'search', ok: true, detail: login ? `found ${found[0].objectName?.toString()}` : `${this.config.userBase} is readable` });
    } catch (error) {
      return fail(error, 'search');
    } finally {
      client.destroy();
    }
    if (login) {
      try {
        const user = await this.findUser(login);
        const detail = `${user?.dn}: groups ${user?.groups.length ? user.groups.filter((g) => !g.includes('=')).join(', ') : 'none'}${user?.active ? '' : ' (disabled by the active filter)'}`;
        steps.push({ step: 'search', ok: true, detail });
      } catch (error) {
        return fail(error, 'search');
      }
    }
    return { ok: true, step: 'ok', detail: 'The directory answered every step', steps };
  }

  close(): void {
    this.closed = true;
    for (const client of this.idle.splice(0)) client.destroy();
    for (const wake of this.waiting.splice(0)) wake(null);
  }

  private async groupsOf(dn: string, login: string): Promise<string[]> {
    if (!this.config.groupBase) return [];
    const nameAttribute = this.config.groupNameAttribute;
    const entries = await this.withPooled((client) =>
      this.search(client, this.config.groupBase as string, fillFilter(this.config.groupFilter, { dn, login }), [nameAttribute], 1000),
    );
    const names = new Set<string>();
    for (const entry of entries) {
      names.add((entry.objectName?.toString() ?? '').toLowerCase());
      const name = firstValue(entry, nameAttribute);
      if (name) names.add(name.toLowerCase());
    }
    names.delete('');
    return [...names];
  }

  /**
   * Runs a search on a pooled connection bound as the service account. A connection that failed is dropped,
   * and the work retried once on a new one (a pooled connection may have died with a directory restart).
   */
  private async withPooled<T>(work: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        const pooled = this.idle.length > 0;
      const client = await this.acquire();
      let healthy = true;
      try {
        return await work(client);
      } catch (error) {
        healthy = !classify(error, 'search').unavailable;
        if (healthy || !pooled || attempt > 1) throw error;
      } finally {
        this.release(client, healthy && (client as unknown as { connected: boolean }).connected);
      }
    }
  }

  private async acquire(): Promise<Client> {
    for (let ready = this.idle.pop(); ready; ready = this.idle.pop()) {
      if ((ready as unknown as { connected: boolean }).connected) return ready;
      // Closed while idle (the directory restarted or went away).
      ready.destroy();
      this.open--;
    }
    if (this.open >= this.config.poolSize) {
      const client = await new Promise<Client | null>((wake) => this.waiting.push(wake));
      if (!client) throw new DirectoryError('connect', 'cannot connect: the provider was reconfigured');
      return client;
    }
    this.open++;
    try {
      const client = await this.connect();
      if (this.config.bindDn) await this.bind(client, this.config.bindDn, this.config.bindPassword).catch((error) => {
        client.destroy();
        throw error;
      });
      return client;
    } catch (error) {
      this.open--;
      throw error;
    }
  }

  private release(client: Client, reusable: boolean): void {
    if (!reusable || this.closed) {
      client.destroy();
      this.open--;
      // A waiter takes a fresh connection of its own.
      const wake = this.waiting.shift();
      if (wake) this.acquire().then(wake, () => wake(null));
      return;
    }
    const wake = this.waiting.shift();
    if (wake) wake(client);
    else this.idle.push(client);
  }

  private async resolve(): Promise<{ host: string; address: string; port: number; secure: boolean }> {
    const problem = LdapDirectory.urlProblem(this.config.url, this.config.startTls, this.policy);
    if (problem) throw new DirectoryError('url', problem);
    const url = new URL(this.config.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'ldaps:';
    const port = url.port ? Number(url.port) : secure ? 636 : 389;
    const addresses = await checkedAddresses(host, this.policy);
    return { host, address: addresses[0], port, secure };
  }

  private async connect(resolved?: { host: string; address: string; port: number; secure: boolean }): Promise<Client> {
    const target = resolved ?? (await this.resolve());
    const tlsOptions = {
      servername: isIP(target.host) === 0 ? target.host : undefined,
      ...(this.config.caCertificate ? { ca: [this.config.caCertificate] } : {}),
      // The connection goes to the resolved address; the certificate is checked against the configured name.
      checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(target.host, cert),
      minVersion: 'TLSv1.2' as const,
    };
    const address = isIP(target.address) === 6 ? `[${target.address}]` : target.address;
    const client = await new Promise<Client>((resolve, reject) => {
      const c = createClient({
        url: `${target.secure ? 'ldaps' : 'ldap'}://${address}:${target.port}`,
        tlsOptions,
        timeout: this.config.timeoutMs,
        connectTimeout: this.config.timeoutMs,
        reconnect: false,
        // A request on a connection that is gone fails at once instead of waiting for one that never comes.
        queueDisable: true,
      });
      const onError = (error: unknown) => {
        c.destroy();
        reject(classify(error, target.secure ? 'tls' : 'connect'));
      };
      c.once('error', onError);
      c.once('connectError', onError);
      c.once('connectTimeout', () => onError(new DirectoryError('connect', `cannot connect: no answer within ${this.config.timeoutMs} ms`)));
      c.once('connect', () => {
        c.removeListener('error', onError);
        // Later socket errors surface as failures of the operation in flight.
        c.on('error', () => undefined);
        resolve(c);
      });
    });
    if (this.config.startTls && !target.secure) {
      await new Promise<void>((resolve, reject) =>
        client.starttls(tlsOptions, [], (error) => (error ? reject(new DirectoryError('tls', `StartTLS: ${error.message}`)) : resolve())),
      ).catch((error) => {
        client.destroy();
        throw error;
      });
    }
    return client;
  }

  private bind(client: Client, dn: string, password: string): Promise<void> {
    return new Promise((resolve, reject) =>
      client.bind(dn, password, (error) => {
        if (!error) return resolve();
        if (error instanceof InvalidCredentialsError) return reject(new DirectoryError('bind', 'bind: invalid credentials'));
        reject(classify(error, 'bind'));
      }),
    );
  }

  private search(client: Client, base: string, filter: string, attributes: string[], sizeLimit: number, scope: 'sub' | 'base' = 'sub'): Promise<SearchEntry[]> {
    return new Promise((resolve, reject) => {
      client.search(base, { scope, filter, attributes, sizeLimit, timeLimit: Math.ceil(this.config.timeoutMs / 1000) }, (error, response) => {
        if (error) return reject(classify(error, 'search'));
        const entries: SearchEntry[] = [];
        response.on('searchEntry', (entry) => entries.push(entry));
        response.on('error', (err) => {
          // A size limit reached still answers what was found (the caller judges "more than one").
          if ((err as { name?: string }).name === 'SizeLimitExceededError') return resolve(entries);
          if ((err as { name?: string }).name === 'NoSuchObjectError') return resolve([]);
          reject(classify(err, 'search'));
        });
        response.on('end', () => resolve(entries));
      });
    });
  }
}
