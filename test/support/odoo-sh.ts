// The Odoo.sh simulator on a loopback port with a clock the test moves, and a client for it.
import { CircuitBreakers } from '../../src/providers/circuit-breaker.js';
import { OdooShHttp, type HttpOptions } from '../../src/providers/odoo-sh/http.js';
import { OdooShProvider } from '../../src/providers/odoo-sh/odoo-sh-provider.js';
import { OdooShSimulator, type SimulatorOptions } from '../../src/doubles/odoo-sh/simulator.js';

export interface SimulatorHarness {
  simulator: OdooShSimulator;
  baseUrl: string;
  /** moves the simulator's clock forward */
  advance(ms: number): void;
  /** the simulator's clock */
  now(): number;
  /** a provider client; `sleeps` records every backoff wait (which returns at once) */
  client(options?: Partial<HttpOptions>): { provider: OdooShProvider; sleeps: number[] };
  close(): Promise<void>;
}

/** `startAt`: the simulator's clock at the start (default a fixed instant, for stable tests). */
export async function startSimulator(
  options: SimulatorOptions = {},
  startAt = Date.parse('2026-06-01T12:00:00Z'),
): Promise<SimulatorHarness> {
  let clock = startAt;
  const simulator = new OdooShSimulator({
    now: () => clock,
    backupSizeBytes: 256 * 1024 + 11,
    durations: {
      creatingMs: 1000,
      deletingMs: 1000,
      backupPendingMs: 1000,
      backupRunningMs: 1000,
      restoreMs: 1000,
      deployQueuedMs: 1000,
      deployBuildingMs: 1000,
      deployDeployingMs: 1000,
    },
    ...options,
  });
  const baseUrl = await simulator.listen();
  return {
    simulator,
    baseUrl,
    advance: (ms) => {
      clock += ms;
    },
    now: () => clock,
    client(overrides = {}) {
      const sleeps: number[] = [];
      const http = new OdooShHttp({
        baseUrl,
        token: 'test-token',
        breaker: new CircuitBreakers().for(baseUrl),
        timeoutMs: 2000,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        ...overrides,
      });
      return { provider: new OdooShProvider(http), sleeps };
    },
    close: () => simulator.close(),
  };
}
