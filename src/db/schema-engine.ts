// Prisma's schema engine (the engine behind `prisma migrate`) as WebAssembly.
// The CLI would download a native binary from a host these machines cannot reach;
// the WASM build is the same engine, driven through a driver adapter instead.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  Transaction,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm');

let loading: Promise<SchemaEngineModule> | undefined;

/**
 * The package's own entry imports the `.wasm` file as a module, which only bundlers
 * understand; Node 20 needs the instance wired up by hand, once per process.
 */
function loadSchemaEngineModule(): Promise<SchemaEngineModule> {
  loading ??= (async () => {
    // The package exports no package.json; its main entry sits beside the .wasm file.
    const packageDir = dirname(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm'));
    const bindings = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as SchemaEngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    // A Rust panic inside the engine reports its message here before it throws.
    const registry = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
    registry.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message) => process.stderr.write(`prisma schema engine panic: ${message}\n`),
    };
    const bytes = await readFile(join(packageDir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': bindings as unknown as WebAssembly.ModuleImports,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return loading;
}

const PG_CATALOG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

interface PgResultField {
  dataTypeID: number;
}
interface PgQueryableInternals {
  performIO(query: unknown): Promise<{ fields: PgResultField[] }>;
}

/**
 * The schema engine introspects pg_catalog, whose `"char"` columns (OID 18: relkind,
 * contype, ...) adapter-pg refuses to map, while the engine reads them as Character.
 * pg hands their values over as one-letter strings; this passes them through as text
 * and labels the columns Character. Only the schema engine's connections are wrapped.
 */
function describeCatalogChar<T extends SqlDriverAdapter | Transaction>(queryable: T): T {
  const internals = queryable as unknown as PgQueryableInternals;
  const performIO = internals.performIO.bind(queryable);
  let charColumns: number[] = [];
  internals.performIO = async (query) => {
    const result = await performIO(query);
    charColumns = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_CATALOG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    return result;
  };
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  const adapter = queryable as SqlDriverAdapter;
  if ('startTransaction' in adapter) {
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolation) => describeCatalogChar(await startTransaction(isolation));
  }
  return queryable;
}

/** Wraps the factory for the engine and remembers its connections, which `free()` leaves open. */
function forSchemaEngine(factory: SqlMigrationAwareDriverAdapterFactory) {
  const opened: SqlDriverAdapter[] = [];
  const track = (adapter: SqlDriverAdapter) => {
    // The engine disposes some connections itself (the shadow database); closing a pool
    // twice throws, so every dispose after the first is a no-op.
    const dispose = adapter.dispose.bind(adapter);
    let disposing: Promise<void> | undefined;
    adapter.dispose = () => (disposing ??= dispose());
    opened.push(adapter);
    return describeCatalogChar(adapter);
  };
  const wrapped: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
  };
  return { wrapped, disposeAll: () => Promise.all(opened.map((adapter) => adapter.dispose())) };
}

export interface SchemaEngineSession {
  engine: SchemaEngine;
  /** frees the engine and closes every database connection it opened */
  close(): Promise<void>;
}

export async function openSchemaEngine(
  schemaPath: string,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void = () => {},
): Promise<SchemaEngineSession> {
  const module = await loadSchemaEngineModule();
  const datamodel = await readFile(schemaPath, 'utf8');
  const connections = forSchemaEngine(adapterFactory);
  const engine = await module.SchemaEngine.new(
    { datamodels: [[schemaPath, datamodel]] },
    (message: string) => log(message),
    bindMigrationAwareSqlAdapterFactory(connections.wrapped),
  );
  return {
    engine,
    async close() {
      engine.free();
      await connections.disposeAll();
    },
  };
}
