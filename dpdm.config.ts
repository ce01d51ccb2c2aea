// Import cycles: `npm run lint` runs dpdm with this file (`npm run lint:cycles`) and fails on any cycle
// between the files of apps/, libs/, e2e/ and tools/. Path aliases (@gatehouse/*) are resolved through
// tsconfig.json, so a cycle through a lib's index.ts counts; type-only imports count too (a cycle of types
// is still two files that cannot be read or moved one without the other).
export default {
  files: ['apps/**/*.ts', 'apps/**/*.tsx', 'libs/**/*.ts', 'e2e/**/*.ts', 'tools/**/*.ts'],
  tsconfig: 'tsconfig.json',
  tree: false,
  warning: false,
  circular: true,
  progress: false,
  exitCode: 'circular:1',
};
