/** What `midair.config.ts` exports (through defineConfig). Every field is optional. */
export interface MidairConfig {
  /** A PostgreSQL connection URL. DATABASE_URL and --database override it; none at all means the embedded database. */
  database?: string;
  /** Folder of migration files, relative to the config file. Default "migrations". */
  migrationsDir?: string;
  /** The schema whose tables migrations change. Default "public". */
  schema?: string;
  /** How long one DDL statement may wait for a lock before it is retried. Default 500. */
  lockTimeoutMs?: number;
  /** How many times a statement that timed out waiting for a lock is tried again. Default 30. */
  lockRetries?: number;
  /** Folder of the embedded database. Default ".midair/db". */
  embeddedDir?: string;
  backfill?: {
    /** Rows in the first batch; later batches adapt to targetBatchMs. Default 1000. */
    batchSize?: number;
    /** Time one batch should take. Default 100. */
    targetBatchMs?: number;
  };
}

export function defineConfig(config: MidairConfig): MidairConfig {
  return config;
}
