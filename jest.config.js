// Two projects: unit specs beside the code, and e2e specs that drive the gateway of a system started
// once per run (e2e/global-setup.ts) as separate processes on real Postgres and NATS.
const { readFileSync } = require('node:fs');

const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = {
  '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, baseUrl: __dirname } }],
};
const moduleNameMapper = { '^@gatehouse/(.*)$': '<rootDir>/libs/$1/src/index.ts' };

module.exports = {
  reporters: ['default'],
  testSequencer: '<rootDir>/e2e/sequencer.js',
  rootDir: __dirname,
  // Global option (ignored inside a project): e2e tests talk to real processes.
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      setupFiles: ['reflect-metadata'],
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      setupFiles: ['reflect-metadata'],
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/e2e/global-teardown.ts',
    },
  ],
};
