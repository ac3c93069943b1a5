// The contract every provider keeps, whatever its protocol: run against each provider's
// descriptor, through a registry, with the provider's own test double behind it. A new
// provider passes these before the fleet may serve it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES, type ProviderDescriptor } from '../../src/providers/descriptor.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { CreateInstanceRequest, InstanceProvider } from '../../src/providers/provider.js';
import type { ProviderRegistry, ProviderTarget } from '../../src/providers/registry.js';
import { rejectionOf } from './rejection.js';

export interface ContractHarness {
  descriptor: ProviderDescriptor;
  /** a registry serving the descriptor, pointed at the provider's double */
  registry: ProviderRegistry;
  /** an instance row whose stored credentials the double accepts */
  target(): ProviderTarget;
  /** the same row with none of its credentials stored */
  targetWithoutCredentials(): ProviderTarget;
  /** a new instance, unique per call */
  newInstance(): CreateInstanceRequest;
  /** lets the double finish what it does asynchronously (moves its clock, if it has one) */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Reads a stream to its end and answers its size. */
async function sizeOf(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}

/** Retries `read` through `settle` until `done` holds (a provider may finish work later). */
async function eventually<T>(
  harness: ContractHarness,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  let value = await read();
  for (let round = 0; round < 10 && !done(value); round += 1) {
    await harness.settle();
    value = await read();
  }
  return value;
}

export function providerContract(name: string, start: () => Promise<ContractHarness>): void {
  describe(`provider contract: ${name}`, () => {
    let harness: ContractHarness;
    let provider: InstanceProvider;

    // One harness for the suite: the cases follow one instance through its life, in order.
    beforeAll(async () => {
      harness = await start();
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('declares its method, capabilities and credential schema', () => {
      const { descriptor, registry } = harness;
      expect(descriptor.method).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(registry.descriptorOf({ deploymentMethod: descriptor.method })).toBe(descriptor);
      expect(new Set(descriptor.capabilities).size).toBe(descriptor.capabilities.length);
      for (const capability of descriptor.capabilities) expect(CAPABILITIES).toContain(capability);
      expect(descriptor.requiredCredentials.length).toBeGreaterThan(0);
      expect(descriptor.credentials.safeParse({}).success).toBe(false);
    });

    it('refuses to build a client without credentials, as unauthorized', () => {
      let refusal: unknown;
      try {
        harness.registry.providerFor(harness.targetWithoutCredentials());
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(ProviderError);
      expect((refusal as ProviderError).kind).toBe('unauthorized');
    });

    it('offers the optional calls its capabilities promise, and only those', () => {
      provider = harness.registry.providerFor(harness.target());
      expect(typeof provider.restoreBackupFile === 'function').toBe(
        harness.descriptor.capabilities.includes('restoreStoredCopies'),
      );
      expect(typeof provider.installModules === 'function').toBe(
        harness.descriptor.capabilities.includes('deployByModuleInstall'),
      );
    });

    let instanceId: string;
    it('creates an instance that ends running and is listed', async () => {
      const request = harness.newInstance();
      const created = await provider.createInstance(request, { idempotencyKey: `contract-${request.name}` });
      instanceId = created.id;
      expect(created).toMatchObject({ database: request.database });
      const running = await eventually(
        harness,
        () => provider.getInstance(instanceId),
        (instance) => instance.status === 'running',
      );
      expect(running).toMatchObject({ id: instanceId, status: 'running' });
      expect((await provider.listInstances({ limit: 100 })).items.map((instance) => instance.id)).toContain(instanceId);
    });

    it('reports health, metrics and logs in the common shapes', async () => {
      expect(await provider.getHealth(instanceId)).toMatchObject({ status: 'healthy', checkedAt: expect.any(Date) });
      const now = new Date();
      const metrics = await provider.getMetrics(instanceId, { from: new Date(now.getTime() - 3_600_000), to: now });
      expect(Array.isArray(metrics)).toBe(true);
      for (const sample of metrics) expect(sample.sampledAt).toBeInstanceOf(Date);
      const logs = await provider.getLogs(instanceId, { limit: 10 });
      expect(Array.isArray(logs.items)).toBe(true);
      expect(logs.nextCursor === null || typeof logs.nextCursor === 'string').toBe(true);
    });

    it('takes a backup that completes and downloads as a non-empty file', async () => {
      const backup = await provider.createBackup(instanceId);
      expect(backup).toMatchObject({ instanceId });
      const completed = await eventually(
        harness,
        () => provider.getBackup(instanceId, backup.id),
        (state) => state.status === 'completed',
      );
      expect(completed.status).toBe('completed');
      expect(await sizeOf(await provider.downloadBackup(instanceId, backup.id))).toBeGreaterThan(0);
    });

    it('suspends and resumes when it declares it can, and otherwise refuses with a provider error', async () => {
      if (!harness.descriptor.capabilities.includes('suspend')) {
        // The API never gets here (UnsupportedError first); a direct call still fails cleanly.
        await rejectionOf(provider.suspendInstance(instanceId), ProviderError);
        expect((await provider.getInstance(instanceId)).status).toBe('running');
        return;
      }
      await provider.suspendInstance(instanceId);
      expect(
        (
          await eventually(
            harness,
            () => provider.getInstance(instanceId),
            (instance) => instance.status === 'suspended',
          )
        ).status,
      ).toBe('suspended');
      await provider.resumeInstance(instanceId);
      expect(
        (
          await eventually(
            harness,
            () => provider.getInstance(instanceId),
            (instance) => instance.status === 'running',
          )
        ).status,
      ).toBe('running');
    });

    it('deletes the instance, which is then not found', async () => {
      await provider.deleteInstance(instanceId);
      const gone = await eventually(
        harness,
        () =>
          provider.getInstance(instanceId).then(
            () => null,
            (error: unknown) => error,
          ),
        (error) => error !== null,
      );
      expect(gone).toBeInstanceOf(ProviderError);
      expect((gone as ProviderError).kind).toBe('not_found');
      expect((await rejectionOf(provider.getInstance(instanceId), ProviderError)).kind).toBe('not_found');
    });
  });
}
