// Two projects: unit specs beside the code, and e2e specs that drive the gateway of a system started
// once per run (e2e/global-setup.ts) as separate processes on real Postgres and NATS.
const { readFileSync } = require('node:fs');

const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = {
  '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, baseUrl: __dirname } }],
};
const moduleNameMapper = { '^@gatehouse/(.*)$': '<rootDir>/libs/$1/src/index.ts' };
// jose ships ES modules only (the services load it with Node's require(esm), which Jest's module system
// lacks): unit specs of the code that signs and verifies tokens get it compiled to CommonJS.
// otplib's base32 and hash plugins' dependencies (TOTP) too (@otplib: some are nested in its plugins), and
// openid-client (identity's upstream OpenID providers, docs/federation.md) with oauth4webapi.
const esmOnly = ['jose', 'oidc-provider', 'openid-client', 'oauth4webapi', '@scure/base', '@noble/hashes', '@otplib'];
// The e2e suites drive the provider with openid-client (a certified relying party), ES modules only too,
// and the MFA suites compute TOTP codes with otplib (its ES-module-only plugins' dependencies).
const e2eEsmOnly = ['jose', 'openid-client', 'oauth4webapi', '@scure/base', '@noble/hashes', '@otplib'];
const esmTransform = (packages) => ({
  [`/node_modules/(${packages.join('|')})/.+\\.js$`]: [
    '@swc/jest',
    { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, parser: { syntax: 'ecmascript' }, baseUrl: __dirname } },
  ],
});
// The console's React components (.tsx, automatic JSX runtime); their specs pick the jsdom environment
// with a `@jest-environment jsdom` docblock.
const consoleTransform = [
  '@swc/jest',
  {
    ...swcrc,
    swcrc: false,
    jsc: {
      ...swcrc.jsc,
      parser: { syntax: 'typescript', tsx: true },
      transform: { ...swcrc.jsc.transform, react: { runtime: 'automatic' } },
      baseUrl: __dirname,
    },
  },
];
const unitTransform = { ...transform, '^.+\\.tsx$': consoleTransform, ...esmTransform(esmOnly) };

module.exports = {
  reporters: ['default'],
  testSequencer: '<rootDir>/e2e/sequencer.js',
  rootDir: __dirname,
  // Global option (ignored inside a project): e2e tests talk to real processes.
  testTimeout: 30000,
  // A worker holding more than this after a suite is replaced by a fresh one (npm test runs one worker: tools/test.js).
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      setupFiles: ['reflect-metadata'],
      transform: unitTransform,
      transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
      moduleNameMapper,
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/apps/console/src/**/*.spec.tsx',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
      ],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      setupFiles: ['reflect-metadata'],
      transform: { ...transform, ...esmTransform(e2eEsmOnly) },
      transformIgnorePatterns: [`/node_modules/(?!(${e2eEsmOnly.join('|')})/)`],
      moduleNameMapper,
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/e2e/global-teardown.ts',
    },
  ],
};
