// Loaded into the gateway by `proxy.js --cpu-profile` or `--heap-profile` (NODE_OPTIONS=--require); into
// other services with PROFILE_SERVICE, a comma-separated list (benchmarks/oidc/grants.js: identity). When
// the file PROFILE_DIR/start appears, samples for PROFILE_MS and writes PROFILE_DIR/<service>-<pid>.cpuprofile
// (CPU) or .heapprofile (sampled allocations, PROFILE_KIND=heap); open either in Chrome DevTools or
// speedscope. A file, not a signal: Nest's shutdown hooks take SIGUSR1/2.
const inspector = require('node:inspector');
const { existsSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const service = (process.env.PROFILE_SERVICE ?? 'gateway').split(',').find((name) => process.argv[1]?.includes(`apps/${name}/`));
if (service && process.env.PROFILE_DIR) {
  const dir = process.env.PROFILE_DIR;
  const heap = process.env.PROFILE_KIND === 'heap';
  const session = new inspector.Session();
  session.connect();
  session.post(heap ? 'HeapProfiler.enable' : 'Profiler.enable');
  const poll = setInterval(() => {
    // `start` is taken by the first profiled process to see it; `start-<service>` by that service's.
    const trigger = [join(dir, `start-${service}`), join(dir, 'start')].find((file) => existsSync(file));
    if (!trigger) return;
    rmSync(trigger, { force: true });
    session.post(heap ? 'HeapProfiler.startSampling' : 'Profiler.start', heap ? { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } : {});
    setTimeout(() => {
      session.post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (error, result) => {
        if (!error) writeFileSync(join(dir, `${service}-${process.pid}.${heap ? 'heapprofile' : 'cpuprofile'}`), JSON.stringify(result.profile));
      });
    }, Number(process.env.PROFILE_MS ?? 4000));
  }, 100);
  poll.unref();
}
