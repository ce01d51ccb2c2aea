#!/usr/bin/env node
// `npm run lint`: ESLint (with Nx's module boundaries), import cycles and the three TypeScript checks.
// They are independent, so they run side by side, as many at a time as there are cores (CI time: run
// one after the other they took about two minutes of a CI run); each one's output is printed whole
// when it ends, and the lint fails if any of them does.
const { spawn, spawnSync } = require('node:child_process');
const { availableParallelism } = require('node:os');

const bin = (name) => `node_modules/.bin/${name}`;
const checks = [
  ['eslint', [bin('eslint'), '.', '--max-warnings=0']],
  ['typecheck', [bin('tsc'), '-p', 'tsconfig.json', '--noEmit']],
  ['console typecheck', [bin('tsc'), '-p', 'apps/console/tsconfig.json', '--noEmit']],
  ['console specs typecheck', [bin('tsc'), '-p', 'apps/console/tsconfig.spec.json', '--noEmit']],
  ['import cycles', ['npm', 'run', '--silent', 'lint:cycles']],
];
module.exports = { checks, runAll };

if (require.main === module) main();

function main() {
  // ESLint's module-boundary rule reads Nx's project graph: compute it once before the checks share it.
  const graph = spawnSync(bin('nx'), ['show', 'projects'], { stdio: ['ignore', 'ignore', 'inherit'], env: process.env });
  if (graph.status !== 0) {
    console.error(`lint: nx show projects failed${graph.error ? `: ${graph.error.message}` : ''}`);
    process.exit(graph.status ?? 1);
  }
  runAll(checks).then((failed) => process.exit(failed.length > 0 ? 1 : 0));
}

function run([name, [cmd, ...args]]) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ name, ok: false, output: String(error) }));
    child.on('close', (code) => resolve({ name, ok: code === 0, output }));
  });
}

/** Runs `list` side by side, as many at a time as there are cores; prints each one's output whole when it ends; resolves to the names of those that failed. */
async function runAll(list, write = (text) => process.stdout.write(text), parallel = availableParallelism()) {
  const queue = [...list];
  const failed = [];
  const worker = async () => {
    for (let check = queue.shift(); check; check = queue.shift()) {
      const result = await run(check);
      if (result.output.trim()) write(`${result.output.trimEnd()}\n`);
      if (!result.ok) {
        failed.push(result.name);
        write(`lint: ${result.name} failed\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, list.length)) }, worker));
  return failed;
}
