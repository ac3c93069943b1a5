// The IPC side of a benchmarked server: tells the parent its port, and on request its
// CPU time and SQL statement count so far, so the parent can take differences per run.
export interface ServerStats {
  cpuMicros: number;
  statements: number;
  rssBytes: number;
}

export function serveStats(port: number, counter: { statements: number }, stop: () => Promise<void>): void {
  process.on('message', (message: unknown) => {
    if (message === 'stats') {
      const cpu = process.cpuUsage();
      const stats: ServerStats = {
        cpuMicros: cpu.user + cpu.system,
        statements: counter.statements,
        rssBytes: process.memoryUsage().rss,
      };
      process.send?.({ stats });
    } else if (message === 'memory') {
      // Live memory only: a collection first when the process was started with --expose-gc.
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({
        memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
      });
    } else if (message === 'stop') {
      void stop().finally(() => process.exit(0));
    }
  });
  process.send?.({ port });
}
