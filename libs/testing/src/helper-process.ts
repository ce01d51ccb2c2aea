import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/**
 * Starts a built helper script of the suites (`dist/libs/testing/src/<script>.js`, so `npm run build` first) as a
 * process of its own (stdin piped: a helper may take commands there), with only PATH and `env`, and waits for its `ready <url>` line: its child process and that URL.
 */
export async function startHelperProcess(script: string, env: Record<string, string>, what: string): Promise<{ child: ChildProcess; url: string }> {
  const root = resolve(process.env.GATEHOUSE_ROOT ?? process.cwd());
  const child = spawn(process.execPath, [join(root, `dist/libs/testing/src/${script}.js`)], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start: ${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code}): ${output}`));
    });
  });
  return { child, url };
}
