import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * Every RPC handler takes the envelope's parts in one order, the services' own (docs/glossary.md,
 * "Argument order"): who, where, what, then the client's address: `(@RpcCaller() caller,
 * @RpcTenant() tenantId, @RpcData() request, @RpcIp() ip, @RpcUserAgent() userAgent)`, any of them
 * left out. Nest binds decorated parameters by position, so any order runs; this keeps one.
 */
const ORDER = ['RpcCaller', 'RpcTenant', 'RpcData', 'RpcIp', 'RpcUserAgent'];
const NAMES: Record<string, string> = { RpcCaller: 'caller', RpcTenant: 'tenantId', RpcData: 'request', RpcIp: 'ip', RpcUserAgent: 'userAgent' };
const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === '__tests__') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `Class.method(decorators in their order)` for each method whose parameters carry envelope decorators. */
function handlerSignatures(file: string, text: string): { where: string; decorators: string[]; names: string[] }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { where: string; decorators: string[]; names: string[] }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node)) {
      const decorated = node.parameters.flatMap((parameter) => {
        const decorator = (ts.getDecorators(parameter) ?? []).map((d) => d.expression)
          .find((e): e is ts.CallExpression => ts.isCallExpression(e) && ts.isIdentifier(e.expression) && ORDER.includes(e.expression.text));
        return decorator ? [{ decorator: (decorator.expression as ts.Identifier).text, name: parameter.name.getText(source) }] : [];
      });
      if (decorated.length > 0) {
        const owner = ts.isClassDeclaration(node.parent) ? node.parent.name?.text : '?';
        found.push({
          where: `${relative(ROOT, file)} ${owner}.${node.name.getText(source)}`,
          decorators: decorated.map((d) => d.decorator),
          names: decorated.map((d) => d.name),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

type Handler = ReturnType<typeof handlerSignatures>[number];

const outOfOrder = (handlers: Handler[]) => handlers
  .filter((h) => h.decorators.some((d, i) => i > 0 && ORDER.indexOf(d) < ORDER.indexOf(h.decorators[i - 1])))
  .map((h) => `${h.where}(${h.decorators.join(', ')})`);

const misnamed = (handlers: Handler[]) => handlers.flatMap((h) => h.decorators
  .map((d, i) => (NAMES[d] && h.names[i] !== NAMES[d] ? `${h.where}: @${d}() ${h.names[i]}` : null))
  .filter((m): m is string => m !== null));

describe('RPC handler arguments', () => {
  const handlers = ['apps', 'libs'].flatMap((dir) => sourceFiles(join(ROOT, dir)))
    .flatMap((file) => handlerSignatures(file, readFileSync(file, 'utf8')));

  it('finds the handlers (the check is not vacuous)', () => {
    expect(handlers.length).toBeGreaterThan(150);
  });

  it('take (caller, tenantId, request, ip, userAgent) in that order', () => {
    expect(outOfOrder(handlers)).toEqual([]);
  });

  it('name them caller, tenantId, request, ip and userAgent', () => {
    expect(misnamed(handlers)).toEqual([]);
  });

  it('would catch a handler written the other way round', () => {
    const written = handlerSignatures(join(ROOT, 'x.ts'), `class X {
      list(@RpcData() request: object, @RpcTenant() tenant: string, @RpcCaller() caller: object) {}
      get(@RpcCaller() caller: object, @RpcTenant() tenantId: string, @RpcData() request: object, @RpcIp() ip: string) {}
    }`);
    expect(outOfOrder(written)).toEqual(['x.ts X.list(RpcData, RpcTenant, RpcCaller)']);
    expect(misnamed(written)).toEqual(['x.ts X.list: @RpcTenant() tenant']);
  });
});
