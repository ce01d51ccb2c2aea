import { readFileSync } from 'node:fs';
import { ACTIONS, Action, isPermission, Permission } from '@gatehouse/contracts';
import { isMap, isSeq, LineCounter, parseDocument, YAMLMap } from 'yaml';
import { HTTP_METHODS, HttpMethod, NamespaceSource, RouteDefinition } from '../request/route-definition';

export class RouteFileError extends Error {}

interface Problem {
  where: string;
  line: number;
  message: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

interface UpstreamEntry {
  url: string;
  timeoutMs: number;
  internalToken: boolean;
}

/**
 * Reads the routes file (YAML or JSON) that puts upstream HTTP services behind the gateway:
 *
 * ```yaml
 * upstreams:
 *   flows: { url: http://flows:8080, timeoutMs: 10000, internalToken: true }   # internalToken: optional signed JWT
 * routes:
 *   - path: /api/v1/{tenant}/flows/{namespace}/**
 *     methods: [GET, POST]          # default: all
 *     permission: FLOW              # omit for `access: authenticated` or `public`
 *     action: READ                  # default: from the method
 *     namespace: { from: path, name: namespace }   # or query / header
 *     upstream: flows               # omit: an ingress proxies it, forward-auth decides it
 *     stripPrefix: /api/v1/{tenant}/flows         # optional
 *     signInUrl: https://app.example.com/sign-in  # optional: forward-auth redirects browsers there
 * ```
 * Every mistake is reported with its line, and start-up stops.
 */
export function loadRouteFile(file: string): RouteDefinition[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RouteFileError(`Cannot read GATEWAY_ROUTES_FILE ${file}: ${(error as Error).message}`);
  }
  return parseRouteFile(text, file);
}

export function parseRouteFile(text: string, file = 'routes'): RouteDefinition[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new RouteFileError(`${file}:${lines.linePos(first.pos[0]).line}: ${first.message.split('\n')[0]}`);
  }
  const problems: Problem[] = [];
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number] } | null)?.range;
    return range ? lines.linePos(range[0]).line : 0;
  };
  const report = (where: string, node: unknown, message: string) => problems.push({ where, line: lineOf(node), message });

  const root = doc.contents;
  if (!isMap(root)) throw new RouteFileError(`${file}:1: expected a mapping with "upstreams" and "routes"`);
  const upstreams = new Map<string, UpstreamEntry>();
  const upstreamsNode = root.get('upstreams', true);
  if (!isMap(upstreamsNode)) {
    report('upstreams', upstreamsNode ?? root, 'must be a mapping of name → { url, timeoutMs? }');
  } else {
    for (const pair of upstreamsNode.items) {
      const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
      const value = pair.value;
      if (!isMap(value)) {
        report(`upstreams.${name}`, pair.key, 'must be a mapping with url and optional timeoutMs');
        continue;
      }
      const url = value.get('url');
      const timeoutMs = value.get('timeoutMs') ?? DEFAULT_TIMEOUT_MS;
      if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)) report(`upstreams.${name}.url`, value.get('url', true) ?? value, 'must be an http(s) URL');
      if (typeof timeoutMs !== 'number' || timeoutMs < 1 || timeoutMs > 600_000) {
        report(`upstreams.${name}.timeoutMs`, value.get('timeoutMs', true), 'must be a number of milliseconds (1-600000)');
      }
      const internalToken = value.get('internalToken') ?? false;
      if (typeof internalToken !== 'boolean') report(`upstreams.${name}.internalToken`, value.get('internalToken', true), 'must be true or false');
      upstreams.set(name, { url: String(url).replace(/\/$/, ''), timeoutMs: Number(timeoutMs), internalToken: internalToken === true });
    }
  }

  const routes: RouteDefinition[] = [];
  const routesNode = root.get('routes', true);
  if (!isSeq(routesNode)) {
    report('routes', routesNode ?? root, 'must be a list');
  } else {
    routesNode.items.forEach((item, index) => {
      const where = `routes[${index}]`;
      if (!isMap(item)) return report(where, item, 'must be a mapping');
      routes.push(...compileRoute(item, where, upstreams, report));
    });
  }
  if (problems.length > 0) {
    throw new RouteFileError(
      `Invalid routes file ${file}:\n${problems.map((p) => `  ${file}:${p.line} ${p.where}: ${p.message}`).join('\n')}`,
    );
  }
  return routes;
}

const KNOWN_KEYS = ['path', 'methods', 'permission', 'action', 'namespace', 'upstream', 'stripPrefix', 'summary', 'public', 'signInUrl'];
/** An absolute http(s) URL, or a path on the original request's host. */
const SIGN_IN_URL = /^(?:https?:\/\/[^\s/?#]+)?\/[^\s#]*$/;

function compileRoute(
  item: YAMLMap,
  where: string,
  upstreams: Map<string, UpstreamEntry>,
  report: (where: string, node: unknown, message: string) => void,
): RouteDefinition[] {
  for (const pair of item.items) {
    const key = String((pair.key as { value?: unknown })?.value);
    if (!KNOWN_KEYS.includes(key)) report(`${where}.${key}`, pair.key, `unknown field (known: ${KNOWN_KEYS.join(', ')})`);
  }
  const path = item.get('path');
  if (typeof path !== 'string' || !/^\/[\w\-./{}*]*$/.test(path)) {
    report(`${where}.path`, item.get('path', true) ?? item, 'must be an absolute path like /api/v1/{tenant}/flows/{namespace}/**');
    return [];
  }
  const methodsValue = item.get('methods');
  const methods = methodsValue === undefined ? [...HTTP_METHODS] : (methodsValue as { toJSON(): unknown }).toJSON?.() ?? methodsValue;
  if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => !HTTP_METHODS.includes(m as HttpMethod))) {
    report(`${where}.methods`, item.get('methods', true), `must be a list of ${HTTP_METHODS.join(', ')}`);
    return [];
  }
  const permission = item.get('permission');
  if (permission !== undefined && (typeof permission !== 'string' || !isPermission(permission))) {
    report(`${where}.permission`, item.get('permission', true), `"${String(permission)}" is not a permission of the catalogue`);
  }
  const action = item.get('action');
  if (action !== undefined && !(ACTIONS as readonly unknown[]).includes(action)) {
    report(`${where}.action`, item.get('action', true), `must be one of ${ACTIONS.join(', ')}`);
  }
  const namespaceNode = item.get('namespace', true);
  let namespace: NamespaceSource | undefined;
  if (namespaceNode !== undefined) {
    const value = (namespaceNode as { toJSON(): unknown }).toJSON?.() as NamespaceSource | undefined;
    if (!value || !['path', 'query', 'header'].includes(value.from) || typeof value.name !== 'string') {
      report(`${where}.namespace`, namespaceNode, 'must be { from: path|query|header, name: <parameter> }');
    } else if (value.from === 'path' && !path.includes(`{${value.name}}`)) {
      report(`${where}.namespace`, namespaceNode, `the path has no {${value.name}} parameter`);
    } else {
      namespace = value;
    }
  }
  // Without an upstream, an ingress in front of the service proxies the route and only asks forward-auth.
  const upstreamName = item.get('upstream');
  const upstream = typeof upstreamName === 'string' ? upstreams.get(upstreamName) : undefined;
  if (upstreamName !== undefined && !upstream) {
    report(`${where}.upstream`, item.get('upstream', true), `must name one of the upstreams (${[...upstreams.keys()].join(', ') || 'none defined'})`);
  }
  const stripPrefix = item.get('stripPrefix');
  if (stripPrefix !== undefined && upstreamName === undefined) {
    report(`${where}.stripPrefix`, item.get('stripPrefix', true), 'applies to a route with an upstream only');
  } else if (stripPrefix !== undefined && (typeof stripPrefix !== 'string' || !path.startsWith(stripPrefix))) {
    report(`${where}.stripPrefix`, item.get('stripPrefix', true), 'must be a leading part of path');
  }
  const signInUrl = item.get('signInUrl');
  if (signInUrl !== undefined && (typeof signInUrl !== 'string' || !SIGN_IN_URL.test(signInUrl))) {
    report(`${where}.signInUrl`, item.get('signInUrl', true), 'must be an http(s) URL or an absolute path like /sign-in');
  }
  const isPublic = item.get('public') === true;
  if (isPublic && permission !== undefined) report(`${where}.public`, item.get('public', true), 'a public route cannot also require a permission');
  if ((upstreamName !== undefined && !upstream) || (permission !== undefined && !(typeof permission === 'string' && isPermission(permission)))) return [];

  const fastifyPath = toFastifyPath(path);
  return (methods as HttpMethod[]).map((method) => ({
    method,
    path: fastifyPath,
    summary: String(item.get('summary') ?? `${method} ${path} → ${upstream ? String(upstreamName) : 'an ingress (forward-auth)'}`),
    access: isPublic
      ? 'public'
      : permission === undefined
        ? 'authenticated'
        : { permission: permission as Permission, ...(action ? { action: action as Action } : {}), ...(namespace ? { namespace } : {}) },
    target: upstream
      ? {
          upstream: String(upstreamName),
          baseUrl: upstream.url,
          timeoutMs: upstream.timeoutMs,
          ...(upstream.internalToken ? { internalToken: true } : {}),
          ...(stripPrefix ? { stripPrefix: toFastifyPath(stripPrefix as string) } : {}),
        }
      : { forwardAuthOnly: true as const },
    ...(typeof signInUrl === 'string' && SIGN_IN_URL.test(signInUrl) ? { signInUrl } : {}),
  }));
}

/** `{name}` → `:name`, a trailing `**` → `*` (find-my-way syntax). */
export function toFastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1').replace(/\/\*\*$/, '/*');
}
