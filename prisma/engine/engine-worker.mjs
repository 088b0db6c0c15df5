// @ts-check
/**
 * Runs commands of Prisma's WebAssembly schema engine (@prisma/schema-engine-wasm) on ONE engine
 * instance inside a worker thread, against a driver adapter it builds itself, and posts the
 * outcome back. Driven by prisma/engine/schema-engine.ts.
 *
 * Why a worker and plain ESM: the engine package is ESM and its entry imports the .wasm file
 * directly (Node 20 cannot), and jest's CJS module registry cannot load it either. This file
 * therefore loads `schema_engine_bg.js` and instantiates `schema_engine_bg.wasm` by hand, in a
 * thread of its own, whatever the caller is (jest, tsx, the server).
 *
 * Protocol: `workerData` is an {@link EngineJob}; the worker closes every connection it opened,
 * then posts exactly one {@link EngineReply}. The parent then terminates the thread: the engine
 * leaves timers of its own pending (a 10 s one on PostgreSQL).
 *
 * The driver adapters are wrapped here (our own version of what
 * `bindMigrationAwareSqlAdapterFactory` in @prisma/driver-adapter-utils does):
 * - every call returns a `{ ok, value }` / `{ ok: false, error }` result, as the engine expects;
 *   thrown JS errors are kept in an error registry and the engine only sees `GenericJs { id }`;
 * - SQLite: the engine replays migration.sql on the shadow database through `executeRaw`, which
 *   better-sqlite3 runs as ONE statement; multi-statement scripts are re-routed to `executeScript`;
 * - PostgreSQL: adapter-pg cannot map the catalog type "char" (oid 18) that the engine's
 *   introspection queries return; our pg Client reports it as text (oid 25);
 * - PostgreSQL: pools get separate host/user/password/database fields (a `connectionString`
 *   would override the shadow database's name), and the shadow database is ours: adapter-pg's
 *   own drops it while its pool is still connected ("being accessed by other users") and leaks
 *   the pool it created it through;
 * - every adapter and pg connection is closed before the reply is posted.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * @typedef {'sqlite' | 'postgresql'} Provider
 *
 * @typedef {object} EngineJob
 * @property {Provider} provider
 * @property {string} url  `file:/abs/path.db` (SQLite) or `postgres[ql]://user:pw@host:port/db[?schema=s]`
 * @property {string} [shadowDatabaseUrl]  SQLite only: file for the shadow database (default `:memory:`)
 * @property {EngineCommand[]} commands  run in order on ONE engine instance (some commands rely on
 *   state left by an earlier one: `createMigration` needs the migration-history schema that
 *   `devDiagnostic` computes on the shadow database and caches)
 * @property {[string, string][]} [datamodels]  `[path, content]` of the Prisma schema files, if any
 * @property {boolean} [debug]  forward the engine's logs to stderr
 *
 * @typedef {object} EngineCommand
 * @property {string} method  a method of the engine's `SchemaEngine` class, e.g. `applyMigrations`
 * @property {unknown} [input]  the method's single argument
 *
 * @typedef {object} EngineErrorPayload
 * @property {string} message
 * @property {string} [code]  Prisma error code, e.g. `P3006`
 * @property {unknown} [meta]
 * @property {string} [name]
 * @property {boolean} [panic]  the engine panicked (Rust panic)
 * @property {string} [method]  the command that failed
 * @property {string} [trace]  the engine's span trace, when it gave one
 * @property {string[]} [logs]  the last log lines of the engine
 *
 * @typedef {{ ok: true, results: unknown[], ms: number } | { ok: false, error: EngineErrorPayload, ms: number }} EngineReply
 */

/**
 * Minimal structural types of the driver-adapter interfaces we touch.
 * @typedef {{ sql: string, args: unknown[], argTypes: unknown[] }} SqlQuery
 * @typedef {{
 *   provider: string,
 *   adapterName: string,
 *   queryRaw(q: SqlQuery): Promise<unknown>,
 *   executeRaw(q: SqlQuery): Promise<number>,
 *   executeScript(script: string): Promise<void>,
 *   startTransaction(isolationLevel?: string): Promise<Transaction>,
 *   dispose(): Promise<void>,
 *   getConnectionInfo?: () => unknown,
 * }} SqlAdapter
 * @typedef {{
 *   provider: string,
 *   adapterName: string,
 *   options: unknown,
 *   queryRaw(q: SqlQuery): Promise<unknown>,
 *   executeRaw(q: SqlQuery): Promise<number>,
 *   commit(): Promise<void>,
 *   rollback(): Promise<void>,
 *   createSavepoint?: (name: string) => Promise<void>,
 *   rollbackToSavepoint?: (name: string) => Promise<void>,
 *   releaseSavepoint?: (name: string) => Promise<void>,
 * }} Transaction
 * @typedef {{
 *   provider: string,
 *   adapterName: string,
 *   connect(): Promise<SqlAdapter>,
 *   connectToShadowDb(): Promise<SqlAdapter>,
 * }} MigrationAwareFactory
 * @typedef {{ ok: true, value: unknown } | { ok: false, error: unknown }} Result
 */

const require = createRequire(import.meta.url);
const started = Date.now();

/** Errors thrown by adapter calls, by id; the engine reports them as "External error id#N". */
class ErrorRegistry {
  /** @type {({ error: unknown } | undefined)[]} */
  registeredErrors = [];

  /** @param {number} id */
  consumeError(id) {
    const record = this.registeredErrors[id];
    return record;
  }

  /** @param {unknown} error */
  registerNewError(error) {
    let i = 0;
    while (this.registeredErrors[i] !== undefined) i++;
    this.registeredErrors[i] = { error };
    return i;
  }
}

/** @param {unknown} error */
function isDriverAdapterError(error) {
  return (
    typeof error === 'object' &&
    error !== null &&
    /** @type {{name?: unknown}} */ (error).name === 'DriverAdapterError' &&
    typeof (/** @type {{cause?: unknown}} */ (error).cause) === 'object'
  );
}

/**
 * Turns a promise-returning function into one that resolves to a `Result`, never rejects.
 * @template {unknown[]} A
 * @param {ErrorRegistry} registry
 * @param {(...args: A) => Promise<unknown> | unknown} fn
 * @returns {(...args: A) => Promise<Result>}
 */
function wrapAsync(registry, fn) {
  return async (...args) => {
    try {
      return { ok: true, value: await fn(...args) };
    } catch (error) {
      if (isDriverAdapterError(error)) {
        return { ok: false, error: /** @type {{cause: unknown}} */ (error).cause };
      }
      return { ok: false, error: { kind: 'GenericJs', id: registry.registerNewError(error) } };
    }
  };
}

/**
 * @template {unknown[]} A
 * @param {ErrorRegistry} registry
 * @param {(...args: A) => unknown} fn
 * @returns {(...args: A) => Result}
 */
function wrapSync(registry, fn) {
  return (...args) => {
    try {
      return { ok: true, value: fn(...args) };
    } catch (error) {
      if (isDriverAdapterError(error)) {
        return { ok: false, error: /** @type {{cause: unknown}} */ (error).cause };
      }
      return { ok: false, error: { kind: 'GenericJs', id: registry.registerNewError(error) } };
    }
  };
}

/** @param {unknown} error */
function messageOf(error) {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const e = /** @type {Record<string, unknown>} */ (error);
    if (typeof e.message === 'string') return e.message;
    if (typeof e.cause === 'object' && e.cause !== null) return messageOf(e.cause);
    try {
      return JSON.stringify(error);
    } catch {
      /* fall through */
    }
  }
  return String(error);
}

/** @param {unknown} error */
function isMultiStatementError(error) {
  return /more than one statement/i.test(messageOf(error));
}

/**
 * @param {ErrorRegistry} registry
 * @param {Transaction} tx
 */
function bindTransaction(registry, tx) {
  /** @type {Record<string, unknown>} */
  const bound = {
    adapterName: tx.adapterName,
    provider: tx.provider,
    options: tx.options,
    queryRaw: wrapAsync(registry, tx.queryRaw.bind(tx)),
    executeRaw: wrapAsync(registry, tx.executeRaw.bind(tx)),
    commit: wrapAsync(registry, tx.commit.bind(tx)),
    rollback: wrapAsync(registry, tx.rollback.bind(tx)),
  };
  for (const name of /** @type {const} */ (['createSavepoint', 'rollbackToSavepoint', 'releaseSavepoint'])) {
    const fn = tx[name];
    if (fn) bound[name] = wrapAsync(registry, fn.bind(tx));
  }
  return bound;
}

/**
 * Wraps a connected adapter for the engine. `dispose` runs at most once (the shadow database's
 * dispose drops that database), and the adapter is tracked so that we can close it ourselves if
 * the engine does not.
 * @param {ErrorRegistry} registry
 * @param {SqlAdapter} adapter
 * @param {Set<() => Promise<void>>} openAdapters
 */
function bindAdapter(registry, adapter, openAdapters) {
  /** @type {Promise<void> | undefined} */
  let disposing;
  const disposeOnce = () => {
    if (!disposing) {
      openAdapters.delete(disposeOnce);
      disposing = adapter.dispose();
    }
    return disposing;
  };
  openAdapters.add(disposeOnce);

  /** @param {SqlQuery} query */
  const executeRaw = async (query) => {
    if (adapter.provider !== 'sqlite' || query.args.length > 0) return adapter.executeRaw(query);
    try {
      return await adapter.executeRaw(query);
    } catch (error) {
      // better-sqlite3's prepare() accepts one statement only; migration scripts have many.
      if (!isMultiStatementError(error)) throw error;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };

  /** @type {Record<string, unknown>} */
  const bound = {
    adapterName: adapter.adapterName,
    provider: adapter.provider,
    errorRegistry: registry,
    queryRaw: wrapAsync(registry, adapter.queryRaw.bind(adapter)),
    executeRaw: wrapAsync(registry, executeRaw),
    executeScript: wrapAsync(registry, adapter.executeScript.bind(adapter)),
    dispose: wrapAsync(registry, disposeOnce),
    startTransaction: async (/** @type {string | undefined} */ isolationLevel) => {
      const result = await wrapAsync(registry, adapter.startTransaction.bind(adapter))(isolationLevel);
      return result.ok
        ? { ok: true, value: bindTransaction(registry, /** @type {Transaction} */ (result.value)) }
        : result;
    },
  };
  if (adapter.getConnectionInfo) {
    bound.getConnectionInfo = wrapSync(registry, adapter.getConnectionInfo.bind(adapter));
  }
  return bound;
}

/**
 * @param {MigrationAwareFactory} factory
 * @param {ErrorRegistry} registry
 * @param {Set<() => Promise<void>>} openAdapters
 */
function bindFactory(factory, registry, openAdapters) {
  return {
    adapterName: factory.adapterName,
    provider: factory.provider,
    errorRegistry: registry,
    connect: async () => {
      const result = await wrapAsync(registry, () => factory.connect())();
      return result.ok
        ? { ok: true, value: bindAdapter(registry, /** @type {SqlAdapter} */ (result.value), openAdapters) }
        : result;
    },
    connectToShadowDb: async () => {
      const result = await wrapAsync(registry, () => factory.connectToShadowDb())();
      return result.ok
        ? { ok: true, value: bindAdapter(registry, /** @type {SqlAdapter} */ (result.value), openAdapters) }
        : result;
    },
  };
}

/**
 * Builds the driver adapter factory for the job's database.
 * @param {EngineJob} job
 * @param {Set<{ end(): Promise<void> }>} pgClients  every pg client opened, to close at the end
 * @returns {Promise<MigrationAwareFactory>}
 */
async function createFactory(job, pgClients) {
  if (job.provider === 'sqlite') {
    if (!/^file:/.test(job.url)) throw new Error(`SQLite URL must start with "file:", got "${job.url}"`);
    const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
    const options = job.shadowDatabaseUrl ? { shadowDatabaseUrl: job.shadowDatabaseUrl } : undefined;
    return /** @type {MigrationAwareFactory} */ (
      /** @type {unknown} */ (new PrismaBetterSqlite3({ url: job.url }, options))
    );
  }
  if (job.provider === 'postgresql') {
    const pg = (await import('pg')).default;
    const { PrismaPg } = await import('@prisma/adapter-pg');

    /** Reports the catalog type "char" (oid 18), which adapter-pg cannot map, as text (oid 25). */
    class CharAsTextClient extends pg.Client {
      /** @param {any} [config] */
      constructor(config) {
        super(config);
        pgClients.add(this);
        this.once('end', () => pgClients.delete(this));
      }

      /**
       * @param {any} config
       * @param {any} [values]
       * @param {any} [callback]
       * @returns {any}
       */
      query(config, values, callback) {
        if (config && typeof config.submit === 'function') return super.query(config, values, callback);
        const cb = typeof values === 'function' ? values : callback;
        const vals = typeof values === 'function' ? undefined : values;
        if (typeof cb === 'function') {
          return super.query(config, vals, (/** @type {unknown} */ err, /** @type {unknown} */ res) => {
            if (!err) charAsText(res);
            cb(err, res);
          });
        }
        return /** @type {Promise<unknown>} */ (super.query(config, vals)).then((res) => {
          charAsText(res);
          return res;
        });
      }
    }

    const url = new URL(job.url);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new Error(`PostgreSQL URL must start with "postgres://" or "postgresql://", got "${url.protocol}"`);
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!database) throw new Error('PostgreSQL URL names no database');
    const schema = url.searchParams.get('schema') ?? undefined;
    /** @type {import('pg').PoolConfig & { Client: typeof pg.Client }} */
    const base = {
      // Separate fields, never `connectionString`: it would override `database` below.
      host: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
      port: url.port ? Number(url.port) : 5432,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      max: 4,
      Client: CharAsTextClient,
    };
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode && sslmode !== 'disable') base.ssl = { rejectUnauthorized: sslmode === 'verify-full' };
    if (schema) base.options = `-c search_path="${schema.replace(/"/g, '""')}"`;
    const adapterOptions = schema ? { schema } : undefined;
    const main = new PrismaPg({ ...base, database }, adapterOptions);

    return {
      provider: main.provider,
      adapterName: main.adapterName,
      connect: () => /** @type {Promise<SqlAdapter>} */ (/** @type {unknown} */ (main.connect())),
      /**
       * Our own shadow database: adapter-pg 7.10's connectToShadowDb drops the database before
       * closing the pool connected to it ("database ... is being accessed by other users") and
       * never closes the pool it created it through.
       */
      connectToShadowDb: async () => {
        const shadowName = `prisma_shadow_${randomUUID().replace(/-/g, '')}`;
        const admin = new pg.Pool({ ...base, database, max: 1 });
        try {
          await admin.query(`CREATE DATABASE "${shadowName}"`);
        } catch (error) {
          await admin.end().catch(() => undefined);
          throw error;
        }
        const shadowAdapter = await new PrismaPg({ ...base, database: shadowName }, adapterOptions).connect();
        const dispose = shadowAdapter.dispose.bind(shadowAdapter);
        shadowAdapter.dispose = async () => {
          try {
            await dispose(); // ends the shadow pool first
          } finally {
            try {
              await admin.query(`DROP DATABASE IF EXISTS "${shadowName}"`);
            } finally {
              await admin.end();
            }
          }
        };
        return /** @type {SqlAdapter} */ (/** @type {unknown} */ (shadowAdapter));
      },
    };
  }
  throw new Error(`Unsupported provider "${String(job.provider)}" (expected "sqlite" or "postgresql")`);
}

/** @param {unknown} res */
function charAsText(res) {
  for (const r of Array.isArray(res) ? res : [res]) {
    const fields = r && typeof r === 'object' ? /** @type {{fields?: unknown}} */ (r).fields : undefined;
    if (!Array.isArray(fields)) continue;
    for (const f of fields) if (f && f.dataTypeID === 18) f.dataTypeID = 25;
  }
}

/** Loads the engine's JS glue and instantiates its WebAssembly module by hand (~50 ms). */
async function loadEngine() {
  const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  /** @type {typeof import('@prisma/schema-engine-wasm/schema_engine_bg')} */
  const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const module = await WebAssembly.compile(await readFile(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm')));
  // The wasm-bindgen glue is imported under the name the .wasm file declares.
  const importName = WebAssembly.Module.imports(module)[0]?.module ?? './schema_engine_bg.js';
  const instance = await WebAssembly.instantiate(module, { [importName]: /** @type {any} */ (bg) });
  bg.__wbg_set_wasm(instance.exports);
  /** @type {any} */ (instance.exports).__wbindgen_start();
  return bg;
}

/** The engine's panic hook writes the panic reason here (global.PRISMA_WASM_PANIC_REGISTRY). */
const panicRegistry = {
  message: '',
  /** @param {string} value */
  set_message(value) {
    this.message = value;
  },
};
/** @type {any} */ (globalThis).PRISMA_WASM_PANIC_REGISTRY = panicRegistry;

/**
 * Normalises whatever the engine rejected with into a plain, cloneable payload.
 *
 * The engine's errors are `Error`s with a `code` (Prisma's P-code) when they are user-facing;
 * their message may end with a Rust span trace ("   0: module::fn\n   with ...\n   at file.rs:N"),
 * which we move to `trace`. A migration that fails on the main database comes back without a
 * code in this engine build: we report it as P3018, as the native engine does.
 * @param {unknown} error
 * @param {ErrorRegistry} registry
 * @param {string[]} logs
 * @returns {EngineErrorPayload}
 */
function toPayload(error, registry, logs) {
  const e = /** @type {Record<string, unknown>} */ (typeof error === 'object' && error !== null ? error : {});
  let message = typeof e.message === 'string' ? e.message : messageOf(error);
  // Errors thrown inside our adapters travel through the engine as "External error id#N".
  message = message.replace(/External error id#(\d+)/g, (whole, id) => {
    const record = registry.consumeError(Number(id));
    return record ? `${whole} (${messageOf(record.error)})` : whole;
  });
  /** @type {string | undefined} */
  let trace;
  const traceStart = message.search(/\n\s+0: [\w:]+/);
  if (traceStart >= 0) {
    trace = message.slice(traceStart + 1);
    message = message.slice(0, traceStart).trimEnd();
  }
  let code = typeof e.code === 'string' ? e.code : undefined;
  /** @type {unknown} */
  let meta;
  const failedMigration = trace && /apply_migration::apply_script\s+with migration_name="([^"]+)"/.exec(trace);
  if (!code && failedMigration) {
    code = 'P3018';
    meta = { migration_name: failedMigration[1], database_error: message };
    message =
      'A migration failed to apply. New migrations cannot be applied before the error is recovered from. ' +
      'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve' +
      `\n\nMigration name: ${failedMigration[1]}\n\nDatabase error:\n${message}`;
  }
  const panic = (error instanceof Error && error.name === 'RuntimeError') || panicRegistry.message !== '';
  if (panic && panicRegistry.message) message = `Schema engine panicked: ${panicRegistry.message}`;
  return {
    message,
    code,
    meta,
    name: typeof e.name === 'string' ? e.name : undefined,
    panic: panic || undefined,
    trace,
    logs: logs.slice(-20),
  };
}

/** @param {EngineJob} job @returns {Promise<EngineReply>} */
async function run(job) {
  const registry = new ErrorRegistry();
  /** @type {Set<() => Promise<void>>} */
  const openAdapters = new Set();
  /** @type {Set<{ end(): Promise<void> }>} */
  const pgClients = new Set();
  /** @type {string[]} */
  const logs = [];
  /** @type {any} */
  let engine;
  /** @type {string | undefined} */
  let current;
  try {
    const bg = await loadEngine();
    const factory = bindFactory(await createFactory(job, pgClients), registry, openAdapters);
    /** @param {string} line */
    const onLog = (line) => {
      logs.push(line);
      if (logs.length > 200) logs.shift();
      if (job.debug) process.stderr.write(`[schema-engine] ${line}\n`);
    };
    current = 'new';
    engine = await bg.SchemaEngine.new({ datamodels: job.datamodels }, onLog, factory);
    /** @type {unknown[]} */
    const results = [];
    for (const command of job.commands) {
      current = command.method;
      const method = /** @type {unknown} */ (engine[command.method]);
      if (typeof method !== 'function' || command.method === 'new' || command.method.startsWith('_')) {
        throw new Error(`Unknown schema engine method "${command.method}"`);
      }
      // Call it as a method: the wasm-bindgen glue reads `this.__wbg_ptr`.
      const result = await method.call(engine, command.input);
      results.push(result === undefined ? null : result);
    }
    return { ok: true, results, ms: Date.now() - started };
  } catch (error) {
    const payload = toPayload(error, registry, logs);
    payload.method = current;
    return { ok: false, error: payload, ms: Date.now() - started };
  } finally {
    try {
      engine?.free();
    } catch {
      /* the engine may be unusable after a panic */
    }
    // Close what the engine left open (shadow databases are dropped by their dispose).
    for (const dispose of [...openAdapters].reverse()) {
      await dispose().catch(() => undefined);
    }
    // adapter-pg leaves the pool it used to CREATE/DROP the shadow database open: close it.
    await Promise.all([...pgClients].map((c) => c.end().catch(() => undefined)));
  }
}

if (!parentPort) throw new Error('engine-worker.mjs must run as a worker thread');
const reply = await run(/** @type {EngineJob} */ (workerData));
parentPort.postMessage(reply);
