#!/usr/bin/env node
// Launcher of the `gatehouse` CLI: runs the compiled apps/cli (built into dist/ by `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  console.error(`gatehouse: the CLI is not built (${main} is missing); run \`npm run build\` first.`);
  process.exit(1);
}
require(main);
