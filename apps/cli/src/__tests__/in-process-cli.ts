import { CliIo } from '../context';
import { run } from '../program';

export interface InProcessIo extends Pick<CliIo, 'fetch' | 'connectOperator' | 'operatorSocketAt'> {
  stdin?: string;
  env?: Record<string, string>;
}

/** Runs the CLI in-process with these stand-ins for the gateway and the operator connection; its exit code and what it wrote. */
export async function runCli(argv: string[], io: InProcessIo): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    writeOut: (text) => out.push(text),
    writeErr: (text) => err.push(text),
    readStdin: async () => io.stdin ?? '',
    env: io.env ?? {},
    fetch: io.fetch,
    connectOperator: io.connectOperator,
    operatorSocketAt: io.operatorSocketAt,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
