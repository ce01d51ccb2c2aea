import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags an app asks for in its `node-flags` file (apps/<app>/node-flags, copied to dist by the
 * build): one per line, '#' starts a comment line. Every launcher passes them: tools/cluster.js and the
 * test harness through this function, the Dockerfile with grep. `NODE_OPTIONS` refuses V8 flags.
 * Plain Node only (no Nest), so tools/cluster.js can require the built file directly.
 */
export function nodeFlagsOf(appDir: string): string[] {
  const file = join(appDir, 'node-flags');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}
