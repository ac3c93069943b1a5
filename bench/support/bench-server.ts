// A benchmarked server in a child process of its own (so its CPU time and memory are its
// own), started with NODE_ENV=production, talking to the benchmark over IPC (api/stats.ts).
import { fork, type ChildProcess } from 'node:child_process';
import type { ServerStats } from '../api/stats.js';

export interface BenchServer<Name extends string = string> {
  name: Name;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** CPU time and SQL statements so far */
  stats(): Promise<ServerStats>;
  /** live memory after a collection */
  memory(): Promise<{ rssBytes: number; heapUsedBytes: number }>;
  stop(): Promise<void>;
}

function ask<Reply>(child: ChildProcess, message: string, key: string): Promise<Reply> {
  return new Promise((resolve) => {
    const onMessage = (reply: unknown) => {
      if (reply && typeof reply === 'object' && key in reply) {
        child.off('message', onMessage);
        resolve((reply as Record<string, Reply>)[key]!);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

export function startBenchServer<Name extends string>(
  name: Name,
  script: string,
  args: string[],
): Promise<BenchServer<Name>> {
  const child = fork(script, args, {
    // BENCH_PROFILE=<dir> writes a V8 CPU profile of each server there when it stops.
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} server exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      const { port } = message as { port: number };
      resolve({
        name,
        url: `http://127.0.0.1:${port}/graphql`,
        wsUrl: `ws://127.0.0.1:${port}/graphql`,
        child,
        stats: () => ask<ServerStats>(child, 'stats', 'stats'),
        memory: () => ask(child, 'memory', 'memory'),
        stop: () =>
          new Promise((done) => {
            child.off('exit', onExit);
            child.once('exit', () => done());
            child.send('stop');
          }),
      });
    });
  });
}
