// Loaded into the gateway by `proxy.js --trace-slow` (NODE_OPTIONS=--require). Appends to
// PROBE_DIR/gateway-<pid>.jsonl, with wall-clock times (ms since the epoch, comparable across processes):
//   {"kind":"stall","at":…,"ms":…,"cpuMs":…}  the event loop did not run a 1 ms timer for `ms` (> 4 ms);
//                                             cpuMs is the process's CPU time meanwhile (all threads):
//                                             well below `ms` means the process was waiting or descheduled
//   {"kind":"gc","at":…,"ms":…,"type":…}      a GC pause (minor ones only when over 1 ms)
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');

if (process.argv[1]?.includes('apps/gateway') && process.env.PROBE_DIR) {
  const { PerformanceObserver, performance, constants } = require('node:perf_hooks');
  const file = join(process.env.PROBE_DIR, `gateway-${process.pid}.jsonl`);
  const types = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
  };
  const wall = (t) => Math.round((performance.timeOrigin + t) * 10) / 10;
  const lines = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const type = types[entry.detail?.kind] ?? String(entry.detail?.kind);
      if (type !== 'minor' || entry.duration > 1) lines.push({ kind: 'gc', at: wall(entry.startTime), ms: entry.duration, type });
    }
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (now - last > 5) {
      const cpuMs = (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000;
      lines.push({ kind: 'stall', at: wall(last), ms: now - last - 1, cpuMs });
    }
    last = now;
    lastCpu = cpu;
  }, 1).unref();
  setInterval(() => {
    if (lines.length) appendFileSync(file, lines.splice(0).map((l) => JSON.stringify(l)).join('\n') + '\n');
  }, 1000).unref();
}
