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
run('node_modules/.bin/jest', ['--runInBand', '--json', '--outputFile=tmp/jest-results.json', ...process.argv.slice(2)]);
process.exit(run('node', ['tools/test-summary.js', 'tmp/jest-results.json']));
