import nx from '@nx/eslint-plugin';

const scopes = ['gateway', 'identity', 'tenancy', 'authorization', 'notification', 'cli', 'console'];

// No wildcard rule: every tag is listed, and an app may only use shared libraries.
const depConstraints = [
  ...scopes.map((scope) => ({ sourceTag: `scope:${scope}`, onlyDependOnLibsWithTags: ['scope:shared'] })),
  { sourceTag: 'scope:local', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:testing'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:testing'] },
];

/** Unit specs (beside the code, in __tests__/) may also use the test harness (its databases and fakes). */
const specDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:app' || c.sourceTag === 'type:infra'
    ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
    : c,
);
const boundaries = (constraints, allow = []) => ['error', { enforceBuildableLibDependency: false, allow, depConstraints: constraints }];

/**
 * Local mode (apps/local) composes the apps in one process: the one app that may import others, and
 * only their entry points (each service's `service.ts`, the gateway's start function and env class).
 */
const appEntryPoints = [
  ...['identity', 'tenancy', 'authorization', 'notification'].map((app) => `../../${app}/src/service`),
  '../../gateway/src/gateway',
  '../../gateway/src/gateway.env',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage', 'tmp/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['apps/local/src/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(depConstraints, appEntryPoints) },
  },
  {
    files: ['apps/**/__tests__/**/*.ts', 'libs/**/__tests__/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(specDepConstraints) },
  },
  {
    // The request DTOs use the shared rules of input-rules.ts: @IsOptional lets null through unsaid (Optional or
    // OptionalOrNull say it), @ValidateNested takes an array for an object (Nested does not).
    files: ['libs/contracts/src/**/*.ts'],
    ignores: ['libs/contracts/src/input-rules.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'class-validator', importNames: ['IsOptional'], message: 'Use Optional() or OptionalOrNull() from input-rules.ts.' },
            { name: 'class-validator', importNames: ['ValidateNested'], message: 'Use Nested() from input-rules.ts.' },
          ],
        },
      ],
    },
  },
  {
    // One way to reach the test database from e2e: testDb() / withTestDb() of @gatehouse/testing; and no unit-spec harness.
    files: ['e2e/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: 'Reach the test database with testDb() or withTestDb() from @gatehouse/testing.' },
            {
              name: '@gatehouse/service-testing',
              message: "The unit specs' Nest harness: it loads Nest, TypeORM and the service runtime into every suite's module registry.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
