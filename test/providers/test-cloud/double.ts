// A tiny hosting API for the test-only provider: JSON over HTTP with an API key, instances
// that become running at the next tick, backups that complete at the next tick.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CloudInstance {
  id: string;
  name: string;
  database: string;
  version: string;
  status: 'creating' | 'running' | 'deleting';
  createdAt: string;
}

export interface CloudBackup {
  id: string;
  instanceId: string;
  status: 'in_progress' | 'completed';
  createdAt: string;
}

export class TestCloudDouble {
  readonly instances = new Map<string, CloudInstance>();
  readonly backups = new Map<string, CloudBackup>();
  private server: Server | null = null;
  private sequence = 0;

  constructor(private readonly apiKey: string) {}

  /** Everything in progress finishes; deleted instances disappear. */
  tick(): void {
    for (const [id, instance] of this.instances) {
      if (instance.status === 'creating') instance.status = 'running';
      else if (instance.status === 'deleting') this.instances.delete(id);
    }
    for (const backup of this.backups.values()) backup.status = 'completed';
  }

  async listen(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => send(response, 500, { error: String(error) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers['x-api-key'] !== this.apiKey) return send(response, 401, { error: 'bad api key' });
    const parts = new URL(request.url ?? '/', 'http://double').pathname.split('/').filter(Boolean);
    const route = `${request.method} /${parts.map((part, index) => (index % 2 === 1 ? ':id' : part)).join('/')}`;
    const instance = parts[1] ? this.instances.get(parts[1]) : undefined;
    const backup = parts[3] ? this.backups.get(parts[3]) : undefined;
    switch (route) {
      case 'GET /instances':
        return send(response, 200, { items: [...this.instances.values()] });
      case 'POST /instances': {
        const body = JSON.parse(await readBody(request)) as Pick<CloudInstance, 'name' | 'database' | 'version'>;
        const created: CloudInstance = {
          ...body,
          id: `tc-${(this.sequence += 1)}`,
          status: 'creating',
          createdAt: new Date().toISOString(),
        };
        this.instances.set(created.id, created);
        return send(response, 201, created);
      }
      case 'GET /instances/:id':
        return instance ? send(response, 200, instance) : send(response, 404, { error: 'no such instance' });
      case 'DELETE /instances/:id':
        if (!instance) return send(response, 404, { error: 'no such instance' });
        instance.status = 'deleting';
        return send(response, 202, instance);
      case 'GET /instances/:id/health':
        return instance
          ? send(response, 200, { up: instance.status === 'running' })
          : send(response, 404, { error: 'no such instance' });
      case 'POST /instances/:id/backups': {
        if (!instance) return send(response, 404, { error: 'no such instance' });
        const created: CloudBackup = {
          id: `tcb-${(this.sequence += 1)}`,
          instanceId: instance.id,
          status: 'in_progress',
          createdAt: new Date().toISOString(),
        };
        this.backups.set(created.id, created);
        return send(response, 201, created);
      }
      case 'GET /instances/:id/backups/:id':
        return backup?.instanceId === instance?.id && backup
          ? send(response, 200, backup)
          : send(response, 404, { error: 'no such backup' });
      case 'GET /instances/:id/backups/:id/file':
        if (!backup || backup.status !== 'completed') return send(response, 404, { error: 'no such file' });
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(Buffer.from(`dump of ${backup.instanceId}`));
        return;
      default:
        return send(response, 404, { error: `no route ${route}` });
    }
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
