import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './system';

/**
 * Real ingresses in front of a service, asking Gatehouse's forward-auth endpoints for each decision
 * (docs/forward-auth.md): Debian's nginx and Caddy (`.ci/run` installs them), run by the e2e suites and
 * the benchmarks as an unprivileged process would be (every path they write in a temporary folder). The
 * site configurations are the documentation's, with its host names replaced by loopback addresses.
 */
export interface IngressSite {
  /** Port the ingress listens on, on 127.0.0.1. */
  port: number;
  /** The service behind the ingress, `http://127.0.0.1:3000`. */
  upstream: string;
}

export interface ForwardAuthSite extends IngressSite {
  /** The Gatehouse gateway whose forward-auth endpoints decide, `http://127.0.0.1:8080`. */
  gatehouse: string;
}

/** Every identity header the forward-auth endpoints answer with (and the ingress must never take from a client). */
export const GATEHOUSE_IDENTITY_HEADERS = ['subject-id', 'subject-type', 'tenant', 'namespaces', 'impersonator-id', 'token'].map((h) => `X-Gatehouse-${capitalized(h)}`);

function capitalized(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
}

const hostPort = (url: string): string => new URL(url).host;
const variableOf = (header: string): string => header.toLowerCase().replace(/-/g, '_');

/**
 * A keep-alive pool: without one nginx opens a connection per request (and per decision); sized past the
 * concurrency, or the connections beyond it are closed after each use.
 */
function nginxUpstream(name: string, url: string): string {
  return `upstream ${name} {
    server ${hostPort(url)};
    keepalive 128;
    keepalive_requests 100000;
}
`;
}

/**
 * An nginx `server` (and its two keep-alive `upstream`s) that asks Gatehouse with `auth_request` before
 * proxying: docs/forward-auth.md's configuration.
 */
export function nginxForwardAuthServer(site: ForwardAuthSite, name = `s${site.port}`): string {
  const copy = GATEHOUSE_IDENTITY_HEADERS.map((h) => `        auth_request_set $${variableOf(h)} $upstream_http_${variableOf(h)};\n        proxy_set_header ${h} $${variableOf(h)};`).join('\n');
  const strip = GATEHOUSE_IDENTITY_HEADERS.map((h) => `        proxy_set_header ${h} "";`).join('\n');
  return `${nginxUpstream(`gatehouse_${name}`, site.gatehouse)}${nginxUpstream(`app_${name}`, site.upstream)}server {
    listen 127.0.0.1:${site.port};

    location / {
        auth_request /.gatehouse/auth;
        # The identity Gatehouse verified replaces anything the client sent under these names.
${copy}
        # A browser on a route with signInUrl: Gatehouse answers 401 with Location, nginx redirects.
        auth_request_set $gatehouse_sign_in $upstream_http_location;
        error_page 401 = @gatehouse_401;

        proxy_set_header Authorization "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://app_${name};
    }

    location = /.gatehouse/auth {
        internal;
        proxy_pass http://gatehouse_${name}/api/v1/authz/auth-request;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        # Gatehouse refuses to decide for a request that carries its headers: remove the client's.
${strip}
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }

    location @gatehouse_401 {
        if ($gatehouse_sign_in) {
            return 302 $gatehouse_sign_in;
        }
        return 401;
    }
}
`;
}

/** An nginx `server` that only proxies (the benchmark's baseline). */
export function nginxProxyServer(site: IngressSite, name = `s${site.port}`): string {
  return `${nginxUpstream(`app_${name}`, site.upstream)}server {
    listen 127.0.0.1:${site.port};
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://app_${name};
    }
}
`;
}

/** A Caddyfile site that asks Gatehouse with `forward_auth` before proxying: docs/forward-auth.md's configuration. */
export function caddyForwardAuthSite(site: ForwardAuthSite): string {
  return `http://127.0.0.1:${site.port} {
    # route: in the order written (Caddy would otherwise run forward_auth before request_header).
    route {
        # Never pass on a client's x-gatehouse-* header (Gatehouse also refuses to decide for one).
        request_header -X-Gatehouse-*
        forward_auth ${hostPort(site.gatehouse)} {
            uri /api/v1/authz/forward-auth
            copy_headers ${GATEHOUSE_IDENTITY_HEADERS.join(' ')}
        }
${caddyPlaceholderCleanup()}
        request_header -Authorization
        reverse_proxy ${hostPort(site.upstream)}
    }
}
`;
}

/**
 * Caddy before 2.7 (Debian 12 ships 2.6) sets a copied header that Gatehouse's answer lacks to the text of
 * its placeholder, `{http.reverse_proxy.header.X-Gatehouse-Token}`: such leftovers are removed.
 */
function caddyPlaceholderCleanup(): string {
  const why = '        # Caddy before 2.7 sets a header the answer lacks to its placeholder\'s text: remove those.\n';
  return why + GATEHOUSE_IDENTITY_HEADERS.map((h) => {
    const matcher = `@unset_${variableOf(h)}`;
    return `        ${matcher} header_regexp ${h} ^.http\\.reverse_proxy\\.header\\.
        request_header ${matcher} -${h}`;
  }).join('\n');
}

interface Launched {
  process: ChildProcess;
  dir: string;
  log: string;
}

/** A private folder the ingress may write in, also when run as root (nginx's workers then run as nobody). */
function privateDir(kind: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-${kind}-`));
  chmodSync(dir, 0o755);
  return dir;
}

async function launch(kind: string, dir: string, command: string, args: string[], env: NodeJS.ProcessEnv, ports: number[]): Promise<Launched> {
  const log = join(dir, `${kind}.log`);
  const out = openSync(log, 'w');
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', out, out] });
  closeSync(out);
  const launched = { process: child, dir, log };
  const deadline = Date.now() + 15_000;
  for (const port of ports) {
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stopProcess(child, 1000);
        throw new Error(`${kind} did not start (exit code ${child.exitCode}); its log:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-4000) : ''}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return launched;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

abstract class IngressProcess {
  protected constructor(protected readonly launched: Launched) {}

  /** The master process (nginx's workers are its children). */
  get pid(): number {
    return this.launched.process.pid as number;
  }

  /** What the ingress logged (errors, nginx's auth_request refusals). */
  log(): string {
    return existsSync(this.launched.log) ? readFileSync(this.launched.log, 'utf8') : '';
  }

  async stop(): Promise<void> {
    await stopProcess(this.launched.process);
    rmSync(this.launched.dir, { recursive: true, force: true });
  }
}

/** Debian's nginx (`/usr/sbin/nginx`, NGINX_BIN to change), in the foreground, everything it writes in a temporary folder. */
export class NginxProcess extends IngressProcess {
  /** `servers`: `upstream` and `server` blocks of the `http` context; `ports`: what they listen on (waited for). */
  static async start(servers: string[], ports: number[], options: { workers?: number } = {}): Promise<NginxProcess> {
    const dir = privateDir('nginx');
    for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      mkdirSync(join(dir, temp));
      chmodSync(join(dir, temp), 0o777);
    }
    const config = join(dir, 'nginx.conf');
    writeFileSync(
      config,
      `worker_processes ${options.workers ?? 1};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${servers.join('\n')}
}
`,
    );
    const binary = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
    return new NginxProcess(await launch('nginx', dir, binary, ['-p', dir, '-e', `${dir}/error.log`, '-c', config, '-g', 'daemon off;'], { PATH: process.env.PATH }, ports));
  }

  /** nginx's error log (auth_request failures are logged there). */
  errorLog(): string {
    const file = join(this.launched.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }
}

/** Debian's Caddy (`/usr/bin/caddy`, CADDY_BIN to change), without its admin API, automatic HTTPS or saved state outside a temporary folder. */
export class CaddyProcess extends IngressProcess {
  /** `sites`: Caddyfile site blocks; `ports`: what they listen on (waited for). */
  static async start(sites: string[], ports: number[]): Promise<CaddyProcess> {
    const dir = privateDir('caddy');
    const config = join(dir, 'Caddyfile');
    writeFileSync(
      config,
      `{
    admin off
    auto_https off
    storage file_system ${dir}/data
}
${sites.join('\n')}`,
    );
    const binary = process.env.CADDY_BIN ?? '/usr/bin/caddy';
    const env = { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') };
    return new CaddyProcess(await launch('caddy', dir, binary, ['run', '--config', config, '--adapter', 'caddyfile'], env, ports));
  }
}
