#!/usr/bin/env node
// `npm test`: builds the services, runs the unit specs and the e2e suites (which start the system as
// separate processes on a fresh database and a private NATS server), then prints the summary line.
const { spawnSync } = require('node:child_process');
const { mkdirSync, rmSync } = require('node:fs');

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

if (run('npm', ['run', '--silent', 'build']) !== 0) {
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
mkdirSync('tmp', { recursive: true });
rmSync('tmp/jest-results.json', { force: true });
// One worker, so the suites still run one at a time (the e2e suites share one system and the machine's two
// cores), but a worker, not the main process: Jest starts a fresh one once a suite leaves it holding more than
// workerIdleMemoryLimit (jest.config.js). In band, one process kept every suite's modules (4.4 GB by the end of
// a CI run) and the last suites crawled through garbage collection, some past their timeouts.
run('node_modules/.bin/jest', ['--maxWorkers=1', '--json', '--outputFile=tmp/jest-results.json', ...process.argv.slice(2)]);
process.exit(run('node', ['tools/test-summary.js', 'tmp/jest-results.json']));
