// The real server as a child process, started the way `npm start` starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../src/db/paths.js';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** structured log lines printed so far */
  logs: Array<Record<string, unknown>>;
  /** sends a signal and resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const inherited = { ...process.env };
  delete inherited.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: { ...inherited, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    const exitedEarly = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${stderr}`));
    };
    child.once('exit', exitedEarly);
    let buffer = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        const ready = /ready at http:\/\/[^:]+:(\d+)\//.exec(String(entry.message));
        if (ready) {
          clearTimeout(timer);
          child.off('exit', exitedEarly);
          resolve({
            child,
            port: Number(ready[1]),
            logs,
            stop(signal = 'SIGTERM') {
              child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
  });
}
