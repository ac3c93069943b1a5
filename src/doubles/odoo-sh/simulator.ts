// A standalone HTTP server implementing the Odoo.sh-style API contract of
// docs/providers.md, with state in memory. It is the test double of the client and a
// local back end for demos. Statuses follow time (computed when read, no timers), and
// a control API under /_simulator injects faults, latency and health changes.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SIMULATOR_API_PREFIX = '/api/v1';

export interface SimulatorDurations {
  creatingMs: number;
  deletingMs: number;
  backupPendingMs: number;
  backupRunningMs: number;
  restoreMs: number;
  deployQueuedMs: number;
  deployBuildingMs: number;
  deployDeployingMs: number;
}

export interface SimulatorOptions {
  /** token → instance ids it may use ('*' for all). Empty: every non-empty token is accepted. */
  tokens?: Record<string, string[] | '*'>;
  durations?: Partial<SimulatorDurations>;
  now?: () => number;
  /** size of every backup file; default 50-60 MB */
  backupSizeBytes?: number;
  /** true when the commit carries the failure marker; default: a FAIL_DEPLOY file in a local repository */
  commitFails?: (repositoryUrl: string | null, branch: string, commit: string | null) => Promise<boolean>;
  /** draws of the fault rate; default Math.random (tests pass a seeded one) */
  random?: () => number;
}

const defaultDurations: SimulatorDurations = {
  creatingMs: 3000,
  deletingMs: 2000,
  backupPendingMs: 1000,
  backupRunningMs: 3000,
  restoreMs: 4000,
  deployQueuedMs: 1000,
  deployBuildingMs: 3000,
  deployDeployingMs: 2000,
};

type Timeline<S extends string> = Array<{ at: number; status: S }>;

interface SimInstance {
  id: string;
  name: string;
  database: string;
  version: string;
  subscriptionId: string;
  tier: string;
  gitRepositoryUrl: string | null;
  gitBranch: string;
  createdAt: number;
  updatedAt: number;
  timeline: Timeline<string>;
  goneAt: number | null;
  health: { status: string; checks: Record<string, 'ok' | 'fail'> } | null;
  logs: Array<{ timestamp: number; level: string; logger: string; message: string }>;
}

interface SimBackup {
  id: string;
  instanceId: string;
  type: string;
  createdAt: number;
  timeline: Timeline<string>;
  sizeBytes: number;
}

interface SimDeployment {
  id: string;
  instanceId: string;
  branch: string;
  commit: string | null;
  createdAt: number;
  timeline: Timeline<string>;
  error: string | null;
}

interface Faults {
  /** statuses answered to the next requests, one each, before normal service */
  next: number[];
  retryAfterSeconds: number;
  /** delay before every answer */
  latencyMs: number;
  /** how many of the next requests are delayed by `slowMs` (then served normally) */
  slowNext: number;
  slowMs: number;
  /** share (0-1) of API requests answered with a fault drawn from `statuses` */
  rate: number;
  /** what a faulty request gets: an HTTP status, or 'hang' (no answer for `hangMs`, then the connection drops) */
  statuses: Array<number | 'hang'>;
  hangMs: number;
  /** routes the rate applies to, as counted in `requestCounts` ("GET /instances/:id/health"); empty: all */
  routes: string[];
}

/** Faults injected by the rate, by outcome ("429", "503", "hang"), for tests and demos. */
export type InjectedFaultCounts = Record<string, number>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const levels = ['debug', 'info', 'warning', 'error', 'critical'];
const tiers = ['starter', 'growth', 'enterprise'];

function statusAt<S extends string>(timeline: Timeline<S>, now: number): S {
  let current = timeline[0]!.status;
  for (const step of timeline) if (step.at <= now) current = step.status;
  return current;
}

function enteredAt<S extends string>(timeline: Timeline<S>, status: S, now: number): number | null {
  const step = timeline.find((entry) => entry.status === status && entry.at <= now);
  return step ? step.at : null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function defaultCommitFails(
  repositoryUrl: string | null,
  _branch: string,
  commit: string | null,
): Promise<boolean> {
  if (commit?.includes('FAIL_DEPLOY')) return true;
  const path = repositoryUrl?.startsWith('file://')
    ? repositoryUrl.slice(7)
    : repositoryUrl?.startsWith('/')
      ? repositoryUrl
      : null;
  if (!path || !commit) return false;
  try {
    const { stdout } = await run('git', ['--git-dir', path, 'ls-tree', '-r', '--name-only', commit]);
    return stdout.split('\n').some((file) => file === 'FAIL_DEPLOY' || file.endsWith('/FAIL_DEPLOY'));
  } catch {
    return false;
  }
}

export class OdooShSimulator {
  readonly instances = new Map<string, SimInstance>();
  readonly backups = new Map<string, SimBackup>();
  readonly deployments = new Map<string, SimDeployment>();
  /** health checks served, in order, with the wall-clock time (for tests of the poller) */
  readonly healthCalls: Array<{ instanceId: string; at: number; token: string }> = [];
  /** restores performed, in order (replayed requests are not repeated) */
  readonly restores: Array<{ backupId: string; targetId: string; neutralize: boolean; at: number }> = [];
  private readonly idempotent = new Map<string, { status: number; body: unknown }>();
  private readonly durations: SimulatorDurations;
  private readonly now: () => number;
  private readonly commitFails: NonNullable<SimulatorOptions['commitFails']>;
  private faults: Faults = {
    next: [],
    retryAfterSeconds: 1,
    latencyMs: 0,
    slowNext: 0,
    slowMs: 0,
    rate: 0,
    statuses: [429, 503],
    hangMs: 20_000,
    routes: [],
  };
  readonly injectedFaults: InjectedFaultCounts = {};
  private readonly random: () => number;
  /** requests answered, by "METHOD /route" (ids replaced), for tests and demos */
  readonly requestCounts = new Map<string, number>();
  private server: Server | undefined;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.durations = { ...defaultDurations, ...options.durations };
    this.now = options.now ?? Date.now;
    this.commitFails = options.commitFails ?? defaultCommitFails;
    this.random = options.random ?? Math.random;
  }

  private origin = 'http://127.0.0.1';

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.origin = `http://${host}:${address.port}`;
    return `${this.origin}${SIMULATOR_API_PREFIX}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  setFaults(faults: Partial<Faults>): void {
    const next = { ...this.faults, ...faults };
    if (!(next.rate >= 0 && next.rate <= 1))
      throw new HttpError(400, 'bad_request', 'faults.rate: a number from 0 to 1');
    if (
      next.statuses.length === 0 ||
      next.statuses.some((status) => status !== 'hang' && !(Number.isInteger(status) && status >= 400 && status <= 599))
    ) {
      throw new HttpError(400, 'bad_request', "faults.statuses: HTTP error statuses (400-599) or 'hang'");
    }
    if (!Array.isArray(next.routes) || next.routes.some((route) => typeof route !== 'string')) {
      throw new HttpError(400, 'bad_request', 'faults.routes: route names such as "GET /instances/:id/health"');
    }
    this.faults = next;
  }

  /** The fault the rate draws for this request, if any (the counts are kept per outcome). */
  private drawFault(route: string): number | 'hang' | undefined {
    const { rate, statuses, routes } = this.faults;
    if (rate <= 0 || (routes.length > 0 && !routes.includes(route))) return undefined;
    if (this.random() >= rate) return undefined;
    const fault = statuses[Math.floor(this.random() * statuses.length)]!;
    this.injectedFaults[String(fault)] = (this.injectedFaults[String(fault)] ?? 0) + 1;
    return fault;
  }

  // ------------------------------------------------------------------ HTTP plumbing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    try {
      if (req.method === 'GET' && url.pathname.startsWith('/_files/')) return await this.serveFile(url.pathname, res);
      const raw = await readBody(req);
      if (url.pathname.startsWith('/_simulator/')) {
        return send(res, 200, this.control(req.method ?? 'GET', url.pathname, parseJson(raw)));
      }
      if (this.faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.faults.latencyMs));
      if (this.faults.slowNext > 0) {
        this.faults.slowNext -= 1;
        await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
      }
      const drawn = this.drawFault(routeNameOf(req.method ?? 'GET', url.pathname));
      if (drawn === 'hang') {
        // A provider that accepted the connection and never answers: the client's timeout decides.
        await new Promise((resolve) => setTimeout(resolve, this.faults.hangMs));
        res.destroy();
        return;
      }
      const injected = this.faults.next.shift() ?? drawn;
      if (injected !== undefined) {
        const headers: Record<string, string> =
          injected === 429 ? { 'retry-after': String(this.faults.retryAfterSeconds) } : {};
        throw new HttpError(
          injected,
          injected === 429 ? 'rate_limited' : 'provider_fault',
          `Injected ${injected}`,
          headers,
        );
      }
      if (!url.pathname.startsWith(SIMULATOR_API_PREFIX)) throw new HttpError(404, 'not_found', 'Unknown route');
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (
        !token ||
        (this.options.tokens && Object.keys(this.options.tokens).length > 0 && !this.options.tokens[token])
      ) {
        throw new HttpError(401, 'unauthorized', 'Missing or invalid bearer token');
      }
      const path = url.pathname.slice(SIMULATOR_API_PREFIX.length);
      const method = req.method ?? 'GET';
      const key = req.headers['idempotency-key'];
      const replayKey = method === 'POST' && typeof key === 'string' ? `${token}\u0000${path}\u0000${key}` : null;
      const replay = replayKey ? this.idempotent.get(replayKey) : undefined;
      if (replay) return send(res, replay.status, replay.body);
      const { status, body } = await this.route(method, path, url.searchParams, raw, token);
      if (replayKey) this.idempotent.set(replayKey, { status, body });
      return send(res, status, body);
    } catch (error) {
      if (error instanceof HttpError) {
        return send(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
      }
      return send(res, 500, { error: { code: 'internal', message: 'Simulator fault' } });
    }
  }

  private control(method: string, path: string, body: unknown): unknown {
    const input = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && path === '/_simulator/faults') {
      this.setFaults(input as Partial<Faults>);
      return { ok: true };
    }
    const health = /^\/_simulator\/instances\/([^/]+)\/health$/.exec(path);
    if (method === 'POST' && health) {
      const instance = this.instances.get(health[1]!);
      if (!instance) throw new HttpError(404, 'not_found', 'Unknown instance');
      instance.health = {
        status: String(input.status ?? 'healthy'),
        checks: (input.checks ?? {}) as Record<string, 'ok' | 'fail'>,
      };
      return { ok: true };
    }
    const logs = /^\/_simulator\/instances\/([^/]+)\/logs$/.exec(path);
    if (method === 'POST' && logs) {
      const instance = this.instances.get(logs[1]!);
      if (!instance) throw new HttpError(404, 'not_found', 'Unknown instance');
      instance.logs.push({
        timestamp: this.now(),
        level: String(input.level ?? 'info'),
        logger: String(input.logger ?? 'odoo'),
        message: String(input.message ?? ''),
      });
      return { ok: true };
    }
    if (method === 'GET' && path === '/_simulator/stats')
      return { ...Object.fromEntries(this.requestCounts), injectedFaults: this.injectedFaults };
    throw new HttpError(404, 'not_found', 'Unknown control route');
  }

  // ------------------------------------------------------------------ the contract

  private async route(method: string, path: string, query: URLSearchParams, raw: string, token: string) {
    const segments = path.split('/').filter(Boolean);
    const routeName = routeNameOf(method, path);
    this.requestCounts.set(routeName, (this.requestCounts.get(routeName) ?? 0) + 1);
    const [collection, instanceId, sub, subId, action] = segments;
    if (collection !== 'instances') throw new HttpError(404, 'not_found', 'Unknown route');
    const body = () => {
      const parsed = parseJson(raw);
      if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new HttpError(400, 'bad_request', 'Body must be a JSON object');
      }
      return parsed as Record<string, unknown>;
    };

    if (!instanceId) {
      if (method === 'POST') return { status: 201, body: this.createInstance(body()) };
      if (method === 'GET')
        return {
          status: 200,
          body: this.page(
            [...this.liveInstances()].filter((i) => this.allowed(token, i.id)),
            query,
            (i) => this.instanceJson(i),
          ),
        };
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
    }
    const instance = this.instance(instanceId, token);
    if (!sub) {
      if (method === 'GET') return { status: 200, body: this.instanceJson(instance) };
      if (method === 'PATCH') return { status: 200, body: this.updateInstance(instance, body()) };
      if (method === 'DELETE') return { status: 202, body: this.deleteInstance(instance) };
    }
    if (method === 'POST' && sub === 'suspend' && !subId) return { status: 200, body: this.suspend(instance) };
    if (method === 'POST' && sub === 'resume' && !subId) return { status: 200, body: this.resume(instance) };
    if (sub === 'backups') {
      if (!subId && method === 'POST') return { status: 202, body: this.createBackup(instance, body()) };
      if (!subId && method === 'GET') {
        return {
          status: 200,
          body: this.page(
            [...this.backups.values()].filter((b) => b.instanceId === instance.id),
            query,
            (b) => this.backupJson(b),
          ),
        };
      }
      const backup = this.backups.get(subId ?? '');
      if (!backup || backup.instanceId !== instance.id)
        throw new HttpError(404, 'not_found', `Unknown backup ${subId}`);
      if (!action && method === 'GET') return { status: 200, body: this.backupJson(backup) };
      if (action === 'restore' && method === 'POST')
        return { status: 202, body: this.restore(instance, backup, body(), token) };
      if (action === 'download' && method === 'GET') return { status: 200, body: this.download(backup) };
    }
    if (sub === 'deployments') {
      if (!subId && method === 'POST') return { status: 202, body: await this.deploy(instance, body()) };
      if (!subId && method === 'GET') {
        return {
          status: 200,
          body: this.page(
            [...this.deployments.values()].filter((d) => d.instanceId === instance.id),
            query,
            (d) => this.deploymentJson(d),
          ),
        };
      }
      const deployment = this.deployments.get(subId ?? '');
      if (!deployment || deployment.instanceId !== instance.id)
        throw new HttpError(404, 'not_found', `Unknown deployment ${subId}`);
      if (!action && method === 'GET') return { status: 200, body: this.deploymentJson(deployment) };
    }
    if (method === 'GET' && sub === 'health' && !subId) return { status: 200, body: this.health(instance, token) };
    if (method === 'GET' && sub === 'metrics' && !subId) return { status: 200, body: this.metrics(instance, query) };
    if (method === 'GET' && sub === 'logs' && !subId) return { status: 200, body: this.logs(instance, query) };
    throw new HttpError(404, 'not_found', 'Unknown route');
  }

  private *liveInstances(): Generator<SimInstance> {
    for (const instance of this.instances.values()) {
      if (instance.goneAt === null || instance.goneAt > this.now()) yield instance;
    }
  }

  private allowed(token: string, instanceId: string): boolean {
    const scope = this.options.tokens?.[token];
    return (
      !this.options.tokens ||
      Object.keys(this.options.tokens).length === 0 ||
      scope === '*' ||
      Boolean(scope?.includes(instanceId))
    );
  }

  private instance(id: string, token: string): SimInstance {
    const instance = this.instances.get(id);
    if (!instance || (instance.goneAt !== null && instance.goneAt <= this.now()))
      throw new HttpError(404, 'not_found', `Unknown instance ${id}`);
    if (!this.allowed(token, id)) throw new HttpError(403, 'forbidden', 'This token may not use this instance');
    return instance;
  }

  private status(instance: SimInstance): string {
    return statusAt(instance.timeline, this.now());
  }

  private createInstance(input: Record<string, unknown>) {
    const problems: string[] = [];
    const name = String(input.name ?? '');
    if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/.test(name))
      problems.push('name: 3-63 lowercase letters, digits or inner hyphens');
    if (!/^[A-Za-z0-9_-]{1,63}$/.test(String(input.database ?? ''))) problems.push('database: letters, digits, _ or -');
    if (!/^\d{2}\.\d$/.test(String(input.version ?? ''))) problems.push('version: like "17.0"');
    if (!tiers.includes(String(input.subscription_tier ?? '')))
      problems.push(`subscription_tier: one of ${tiers.join(', ')}`);
    if (problems.length) throw new HttpError(422, 'invalid_field', problems.join('; '));
    if ([...this.liveInstances()].some((existing) => existing.name === name))
      throw new HttpError(409, 'name_taken', `Name ${name} is taken`);
    const now = this.now();
    const instance: SimInstance = {
      id: `inst_${randomUUID().slice(0, 12)}`,
      name,
      database: String(input.database),
      version: String(input.version),
      subscriptionId: `sub_${randomUUID().slice(0, 8)}`,
      tier: String(input.subscription_tier),
      gitRepositoryUrl: typeof input.git_repository_url === 'string' ? input.git_repository_url : null,
      gitBranch:
        typeof input.git_branch === 'string' && /^[A-Za-z0-9._/-]{1,100}$/.test(input.git_branch)
          ? input.git_branch
          : 'master',
      createdAt: now,
      updatedAt: now,
      timeline: [
        { at: now, status: 'creating' },
        { at: now + this.durations.creatingMs, status: 'running' },
      ],
      goneAt: null,
      health: null,
      logs: [{ timestamp: now, level: 'info', logger: 'odoo.sh', message: `Instance ${name} requested` }],
    };
    this.instances.set(instance.id, instance);
    return this.instanceJson(instance);
  }

  private updateInstance(instance: SimInstance, input: Record<string, unknown>) {
    const allowedFields = ['subscription_tier', 'git_branch', 'name'];
    const unknown = Object.keys(input).filter((field) => !allowedFields.includes(field));
    if (unknown.length) throw new HttpError(422, 'invalid_field', `Unknown fields: ${unknown.join(', ')}`);
    if (input.subscription_tier !== undefined && !tiers.includes(String(input.subscription_tier))) {
      throw new HttpError(422, 'invalid_field', `subscription_tier: one of ${tiers.join(', ')}`);
    }
    if (input.git_branch !== undefined && !/^[A-Za-z0-9._/-]{1,100}$/.test(String(input.git_branch))) {
      throw new HttpError(422, 'invalid_field', 'git_branch: not a branch name');
    }
    if (input.name !== undefined) {
      const name = String(input.name);
      if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/.test(name))
        throw new HttpError(422, 'invalid_field', 'name: 3-63 lowercase letters, digits or inner hyphens');
      if ([...this.liveInstances()].some((other) => other.name === name && other.id !== instance.id))
        throw new HttpError(409, 'name_taken', `Name ${name} is taken`);
      instance.name = name;
    }
    if (input.subscription_tier !== undefined) instance.tier = String(input.subscription_tier);
    if (input.git_branch !== undefined) instance.gitBranch = String(input.git_branch);
    instance.updatedAt = this.now();
    return this.instanceJson(instance);
  }

  private deleteInstance(instance: SimInstance) {
    const now = this.now();
    if (instance.goneAt === null) {
      instance.timeline = [{ at: now, status: 'deleting' }];
      instance.goneAt = now + this.durations.deletingMs;
    }
    return this.instanceJson(instance);
  }

  private suspend(instance: SimInstance) {
    const status = this.status(instance);
    if (status === 'suspended') return this.instanceJson(instance);
    if (status !== 'running') throw new HttpError(409, 'invalid_state', `Cannot suspend an instance that is ${status}`);
    instance.timeline = [{ at: this.now(), status: 'suspended' }];
    return this.instanceJson(instance);
  }

  private resume(instance: SimInstance) {
    const status = this.status(instance);
    if (status === 'running') return this.instanceJson(instance);
    if (status !== 'suspended')
      throw new HttpError(409, 'invalid_state', `Cannot resume an instance that is ${status}`);
    instance.timeline = [{ at: this.now(), status: 'running' }];
    return this.instanceJson(instance);
  }

  private createBackup(instance: SimInstance, input: Record<string, unknown>) {
    if (input.type !== undefined && input.type !== 'manual')
      throw new HttpError(422, 'invalid_field', 'type: only "manual" can be requested');
    if (!['running', 'suspended'].includes(this.status(instance))) {
      throw new HttpError(409, 'invalid_state', `Cannot back up an instance that is ${this.status(instance)}`);
    }
    const now = this.now();
    const { backupPendingMs, backupRunningMs } = this.durations;
    const backup: SimBackup = {
      id: `bkp_${randomUUID().slice(0, 12)}`,
      instanceId: instance.id,
      type: 'manual',
      createdAt: now,
      timeline: [
        { at: now, status: 'pending' },
        { at: now + backupPendingMs, status: 'in_progress' },
        { at: now + backupPendingMs + backupRunningMs, status: 'completed' },
      ],
      sizeBytes: this.options.backupSizeBytes ?? 50_000_000 + Math.floor(Math.random() * 10_000_000),
    };
    this.backups.set(backup.id, backup);
    return this.backupJson(backup);
  }

  private restore(instance: SimInstance, backup: SimBackup, input: Record<string, unknown>, token: string) {
    if (statusAt(backup.timeline, this.now()) !== 'completed')
      throw new HttpError(409, 'invalid_state', 'Backup is not completed');
    const target = input.target_instance_id ? this.instance(String(input.target_instance_id), token) : instance;
    if (this.status(target) !== 'running')
      throw new HttpError(409, 'invalid_state', `Target is ${this.status(target)}`);
    const now = this.now();
    target.timeline = [
      { at: now, status: 'maintenance' },
      { at: now + this.durations.restoreMs, status: 'running' },
    ];
    this.restores.push({ backupId: backup.id, targetId: target.id, neutralize: input.neutralize === true, at: now });
    return { restore_id: `rst_${randomUUID().slice(0, 12)}`, status: 'in_progress' };
  }

  private download(backup: SimBackup) {
    if (statusAt(backup.timeline, this.now()) !== 'completed')
      throw new HttpError(409, 'invalid_state', 'Backup is not completed');
    const expires = this.now() + 3_600_000;
    return { url: `${this.origin}/_files/${backup.id}.zip?expires=${expires}`, expires_at: iso(expires) };
  }

  /** The deterministic content of a backup file, generated as it is sent. */
  static *fileChunks(backupId: string, sizeBytes: number): Generator<Buffer> {
    const block = Buffer.alloc(64 * 1024, backupId);
    for (let sent = 0; sent < sizeBytes; sent += block.length) {
      block.writeUInt32BE(sent / block.length, 0);
      yield Buffer.from(block.subarray(0, Math.min(block.length, sizeBytes - sent)));
    }
  }

  private async serveFile(path: string, res: ServerResponse): Promise<void> {
    const backup = this.backups.get(/^\/_files\/([^/]+)\.zip$/.exec(path)?.[1] ?? '');
    if (!backup || statusAt(backup.timeline, this.now()) !== 'completed') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': backup.sizeBytes });
    for (const chunk of OdooShSimulator.fileChunks(backup.id, backup.sizeBytes)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }

  private async deploy(instance: SimInstance, input: Record<string, unknown>) {
    const branch = String(input.branch ?? '');
    if (!/^[A-Za-z0-9._/-]{1,100}$/.test(branch))
      throw new HttpError(422, 'invalid_field', 'branch: required, a branch name');
    if (input.commit !== undefined && !/^[0-9a-f]{7,40}$|FAIL_DEPLOY/.test(String(input.commit))) {
      throw new HttpError(422, 'invalid_field', 'commit: a hexadecimal commit hash');
    }
    const now = this.now();
    const running = [...this.deployments.values()].find(
      (deployment) =>
        deployment.instanceId === instance.id &&
        !['success', 'failed', 'cancelled'].includes(statusAt(deployment.timeline, now)),
    );
    if (running) throw new HttpError(409, 'operation_running', `Deployment ${running.id} is still running`);
    const commit = input.commit === undefined ? null : String(input.commit);
    const fails = await this.commitFails(instance.gitRepositoryUrl, branch, commit);
    const { deployQueuedMs, deployBuildingMs, deployDeployingMs } = this.durations;
    const building = now + deployQueuedMs;
    const deploying = building + deployBuildingMs;
    const deployment: SimDeployment = {
      id: `dep_${randomUUID().slice(0, 12)}`,
      instanceId: instance.id,
      branch,
      commit,
      createdAt: now,
      timeline: fails
        ? [
            { at: now, status: 'queued' },
            { at: building, status: 'building' },
            { at: deploying, status: 'failed' },
          ]
        : [
            { at: now, status: 'queued' },
            { at: building, status: 'building' },
            { at: deploying, status: 'deploying' },
            { at: deploying + deployDeployingMs, status: 'success' },
          ],
      error: fails ? `Build failed: the commit carries the FAIL_DEPLOY marker` : null,
    };
    this.deployments.set(deployment.id, deployment);
    return this.deploymentJson(deployment);
  }

  private health(instance: SimInstance, token: string) {
    this.healthCalls.push({ instanceId: instance.id, at: Date.now(), token });
    if (this.healthCalls.length > 100_000) this.healthCalls.splice(0, 50_000);
    const status = this.status(instance);
    const base =
      status === 'running'
        ? { status: 'healthy', checks: { http: 'ok', database: 'ok', workers: 'ok', cron: 'ok' } }
        : { status: 'down', checks: { http: 'fail', database: 'fail', workers: 'fail', cron: 'fail' } };
    const current =
      instance.health && status === 'running'
        ? { ...instance.health, checks: { ...base.checks, ...instance.health.checks } }
        : base;
    return { ...current, response_time_ms: current.status === 'down' ? null : 120, checked_at: iso(this.now()) };
  }

  private metrics(instance: SimInstance, query: URLSearchParams) {
    const to = Date.parse(query.get('to') ?? '') || this.now();
    const from = Date.parse(query.get('from') ?? '') || to - 3_600_000;
    const step = Math.max(60, Number(query.get('step') ?? 300)) * 1000;
    if (from > to) throw new HttpError(400, 'bad_request', 'from must not be after to');
    const samples = [];
    for (let at = Math.ceil(from / step) * step; at <= to && samples.length < 1000; at += step) {
      if (at < instance.createdAt) continue;
      const wave = (Math.sin(at / 600_000) + 1) / 2;
      samples.push({
        sampled_at: iso(at),
        cpu_percent: Math.round(wave * 800) / 10,
        memory_bytes: 500_000_000 + Math.round(wave * 300_000_000),
        storage_bytes: 2_000_000_000,
        db_size_bytes: 300_000_000,
        requests_per_minute: Math.round(wave * 600),
        active_users: Math.round(wave * 40),
      });
    }
    return { samples };
  }

  private logs(instance: SimInstance, query: URLSearchParams) {
    const since = Date.parse(query.get('since') ?? '') || 0;
    const level = query.get('level');
    if (level && !levels.includes(level))
      throw new HttpError(422, 'invalid_field', `level: one of ${levels.join(', ')}`);
    const minimum = level ? levels.indexOf(level) : 0;
    const entries = instance.logs.filter((entry) => entry.timestamp >= since && levels.indexOf(entry.level) >= minimum);
    const page = this.page(entries, query, (entry) => ({
      timestamp: iso(entry.timestamp),
      level: entry.level,
      logger: entry.logger,
      message: entry.message,
    }));
    return { entries: page.items, next_cursor: page.next_cursor };
  }

  private page<T, J>(items: T[], query: URLSearchParams, toJson: (item: T) => J) {
    const limit = query.has('limit') ? Number(query.get('limit')) : 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new HttpError(400, 'bad_request', 'limit must be 1-200');
    const cursor = query.get('cursor');
    const offset = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new HttpError(400, 'bad_request', 'Invalid cursor');
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    return { items: slice.map(toJson), next_cursor: next };
  }

  private instanceJson(instance: SimInstance) {
    return {
      id: instance.id,
      name: instance.name,
      url: `https://${instance.name}.odoo.sh`,
      database: instance.database,
      version: instance.version,
      subscription_id: instance.subscriptionId,
      subscription_tier: instance.tier,
      status: this.status(instance),
      git_repository_url: instance.gitRepositoryUrl,
      git_branch: instance.gitBranch,
      created_at: iso(instance.createdAt),
      updated_at: iso(
        Math.max(instance.updatedAt, ...instance.timeline.map((step) => step.at).filter((at) => at <= this.now())),
      ),
    };
  }

  private backupJson(backup: SimBackup) {
    const now = this.now();
    const status = statusAt(backup.timeline, now);
    const completedAt = enteredAt(backup.timeline, 'completed', now);
    return {
      id: backup.id,
      instance_id: backup.instanceId,
      type: backup.type,
      status,
      size_bytes: status === 'completed' ? backup.sizeBytes : null,
      created_at: iso(backup.createdAt),
      completed_at: iso(completedAt),
      expires_at: iso(backup.createdAt + 30 * 86_400_000),
    };
  }

  private deploymentJson(deployment: SimDeployment) {
    const now = this.now();
    const status = statusAt(deployment.timeline, now);
    const terminal = ['success', 'failed', 'cancelled'].includes(status);
    return {
      id: deployment.id,
      instance_id: deployment.instanceId,
      branch: deployment.branch,
      commit: deployment.commit,
      status,
      started_at: iso(enteredAt(deployment.timeline, 'building', now)),
      finished_at: terminal ? iso(deployment.timeline[deployment.timeline.length - 1]!.at) : null,
      log_url: `https://odoo.sh.invalid/deployments/${deployment.id}/log`,
      error: status === 'failed' ? deployment.error : null,
    };
  }
}

/** "GET /instances/:id/health": a request's route with its ids replaced (API prefix removed). */
function routeNameOf(method: string, pathname: string): string {
  const path = pathname.startsWith(SIMULATOR_API_PREFIX) ? pathname.slice(SIMULATOR_API_PREFIX.length) : pathname;
  const segments = path.split('/').filter(Boolean);
  return `${method} /${segments.map((segment, index) => (index % 2 === 1 ? ':id' : segment)).join('/')}`;
}

function parseJson(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'bad_request', 'Body is not valid JSON');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (raw += chunk))
      .on('end', () => resolve(raw))
      .on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
