// Loaded into the gateway by `proxy.js --cpu-profile` (NODE_OPTIONS=--require). When the file
// PROFILE_DIR/start appears, samples the CPU for PROFILE_MS and writes PROFILE_DIR/gateway-<pid>.cpuprofile
// (open it in Chrome DevTools or speedscope). A file, not a signal: Nest's shutdown hooks take SIGUSR1/2.
const inspector = require('node:inspector');
const { existsSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

if (process.argv[1]?.includes('apps/gateway') && process.env.PROFILE_DIR) {
  const dir = process.env.PROFILE_DIR;
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  const poll = setInterval(() => {
    if (!existsSync(join(dir, 'start'))) return;
    rmSync(join(dir, 'start'), { force: true });
    session.post('Profiler.start');
    setTimeout(() => {
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(join(dir, `gateway-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      });
    }, Number(process.env.PROFILE_MS ?? 4000));
  }, 100);
  poll.unref();
}
