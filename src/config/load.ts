import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { MidairError } from '../errors.js';
import { importDefault } from '../importDefault.js';
import { teamProblems } from '../people/checkTeam.js';
import type { TeamConfig } from '../people/team.js';
import { teamSchema } from '../people/teamSchema.js';
import type { MidairConfig, TrafficConfig } from './define.js';
import { serviceProblems } from '../slo/checkServices.js';
import { DEFAULT_MIN_BUDGET_LEFT, type CredentialConfig, type ServiceConfig } from '../slo/services.js';
import { credentialsSchema, servicesSchema, sloSchema } from '../slo/servicesSchema.js';

export interface ResolvedConfig {
  /** Connection URL, or null for the embedded database. */
  database: string | null;
  databaseSource: 'flag' | 'DATABASE_URL' | 'config' | 'embedded';
  configFile: string | null;
  migrationsDir: string;
  schema: string;
  lockTimeoutMs: number;
  lockRetries: number;
  embeddedDir: string;
  batchSize: number;
  targetBatchMs: number;
  traffic: Required<TrafficConfig>;
  /** The people in charge; null: no team is configured, and anyone may act. */
  team: TeamConfig | null;
  /** Services and their SLOs; empty: no budgets are judged. */
  services: Record<string, ServiceConfig>;
  slo: { minBudgetLeft: number };
  credentials: Record<string, CredentialConfig>;
}

export const TRAFFIC_DEFAULTS: Required<TrafficConfig> = {
  shadowSample: 1,
  minShadowCompares: 1000,
  maxMismatchRate: 0.001,
  maxErrorRate: 0.01,
  maxP99Ratio: 2,
  windowSeconds: 300,
  minWindowCalls: 100,
  minSoakSeconds: 600,
  oldUnusedSeconds: 900,
};

const positive = z.number().int().positive();
const configSchema = z.strictObject({
  database: z.string().min(1).optional(),
  migrationsDir: z.string().min(1).optional(),
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case schema name').optional(),
  lockTimeoutMs: positive.optional(),
  lockRetries: z.number().int().min(0).optional(),
  embeddedDir: z.string().min(1).optional(),
  backfill: z.strictObject({ batchSize: positive.optional(), targetBatchMs: positive.optional() }).optional(),
  traffic: z.strictObject({
    shadowSample: z.number().min(0).max(1).optional(),
    minShadowCompares: z.number().int().min(0).optional(),
    maxMismatchRate: z.number().min(0).max(1).optional(),
    maxErrorRate: z.number().min(0).max(1).optional(),
    maxP99Ratio: z.number().positive().optional(),
    windowSeconds: positive.optional(),
    minWindowCalls: z.number().int().min(0).optional(),
    minSoakSeconds: z.number().min(0).optional(),
    oldUnusedSeconds: z.number().min(0).optional(),
  }).optional(),
  team: teamSchema.optional(),
  services: servicesSchema.optional(),
  slo: sloSchema.optional(),
  credentials: credentialsSchema.optional(),
});

const CONFIG_FILES = ['midair.config.ts', 'midair.config.mts', 'midair.config.js', 'midair.config.mjs'];

async function importConfig(file: string): Promise<unknown> {
  let value: unknown;
  try {
    value = await importDefault(file);
  } catch (error) {
    throw new MidairError(`${file}: the config file does not load: ${(error as Error).message.split('\n')[0]}`, 'fix it; it must `export default defineConfig({...})`');
  }
  if (value === undefined) {
    throw new MidairError(`${file}: the config file has no default export`, "Midair reads the default export: write `export default defineConfig({ schema: 'public' })`, not `export const ... =`");
  }
  return value;
}

/** Checks a config object; `source` is named in messages. */
export function validateConfig(value: unknown, source: string): MidairConfig {
  const result = configSchema.safeParse(value ?? {});
  const issues = result.success
    ? [...(result.data.team ? teamProblems(result.data.team) : []), ...serviceProblems(result.data.services, result.data.team, result.data.credentials)]
    : result.error.issues.map((i) => `${i.path.length ? `field "${i.path.join('.')}"` : 'the default export'}: ${i.message}`);
  if (result.success && issues.length === 0) return result.data;
  const guide = issues.every((i) => i.startsWith('field "team')) ? 'docs/people.md' : issues.every((i) => /^field "(services|slo|credentials)/.test(i)) ? 'docs/slo.md' : 'docs/cli.md';
  throw new MidairError(`${source}: invalid config: ${issues.join('; ')}`, `see ${guide} for the config fields`);
}

/** Resolves settings: --database flag, then DATABASE_URL, then the config file, then the embedded database. */
export function resolveConfig(config: MidairConfig, options: { baseDir: string; configFile?: string | null; database?: string; env?: NodeJS.ProcessEnv }): ResolvedConfig {
  const env = options.env ?? process.env;
  const database = options.database ?? env.DATABASE_URL ?? config.database ?? null;
  const databaseSource = options.database ? 'flag' : env.DATABASE_URL ? 'DATABASE_URL' : config.database ? 'config' : 'embedded';
  return {
    database: database || null,
    databaseSource,
    configFile: options.configFile ?? null,
    migrationsDir: resolve(options.baseDir, config.migrationsDir ?? 'migrations'),
    schema: config.schema ?? 'public',
    lockTimeoutMs: config.lockTimeoutMs ?? 500,
    lockRetries: config.lockRetries ?? 30,
    embeddedDir: resolve(options.baseDir, config.embeddedDir ?? join('.midair', 'db')),
    batchSize: config.backfill?.batchSize ?? 1000,
    targetBatchMs: config.backfill?.targetBatchMs ?? 100,
    traffic: { ...TRAFFIC_DEFAULTS, ...config.traffic },
    team: config.team ?? null,
    services: config.services ?? {},
    slo: { minBudgetLeft: config.slo?.minBudgetLeft ?? DEFAULT_MIN_BUDGET_LEFT },
    credentials: config.credentials ?? {},
  };
}

/** Loads midair.config.ts (or the given file) from `cwd` and resolves it. */
export async function loadConfig(options: { cwd?: string; configFile?: string; database?: string } = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  let file: string | null = null;
  if (options.configFile) {
    file = resolve(cwd, options.configFile);
    if (!existsSync(file)) throw new MidairError(`${options.configFile}: no such config file`, 'give the path of midair.config.ts, or leave --config out');
  } else {
    file = CONFIG_FILES.map((f) => join(cwd, f)).find((f) => existsSync(f)) ?? null;
  }
  const config = file ? validateConfig(await importConfig(file), file) : {};
  return resolveConfig(config, { baseDir: file ? dirname(file) : cwd, configFile: file, database: options.database });
}
