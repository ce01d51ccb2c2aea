// The set-up suite creates the instance's first user, so it must run before every other e2e suite.
const Sequencer = require('@jest/test-sequencer').default;

class SetupFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (t) => (t.path.endsWith('setup.e2e-spec.ts') ? 0 : 1);
    return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }
}

module.exports = SetupFirstSequencer;
