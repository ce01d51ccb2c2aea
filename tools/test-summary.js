#!/usr/bin/env node
// Prints the one-line summary CI reads ("N passed, N failed, N skipped") from Jest's JSON results and
// exits non-zero on any failure, or when the results are missing (e.g. the e2e system never started).
const { existsSync, readFileSync } = require('node:fs');

const file = process.argv[2] ?? 'tmp/jest-results.json';
if (!existsSync(file)) {
  console.log('0 passed, 1 failed, 0 skipped');
  console.error(`No test results at ${file}: the run did not complete (see the output above).`);
  process.exit(1);
}
const results = JSON.parse(readFileSync(file, 'utf8'));
const passed = results.numPassedTests;
const failedSuites = results.numRuntimeErrorTestSuites + (results.testResults ?? []).filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const failed = results.numFailedTests + failedSuites;
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 || !results.success ? 1 : 0);
