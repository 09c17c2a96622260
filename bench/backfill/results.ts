/** Every figure of one method, as printed and as given with --json. */
export interface MethodResult {
  key: string;
  label: string;
  rows: number;
  /** Alone on the server (the throttled run has only the figures under load). */
  seconds: number | null;
  rowsPerSecond: number | null;
  walBytesPerRow: number | null;
  sizeBeforeBytes: number | null;
  sizeAfterBytes: number | null;
  /** The same method again on a fresh copy, while the probe workload runs. */
  underLoad: {
    rowsPerSecond: number;
    probeIdleP99Ms: number;
    probeP99Ms: number;
    probeP99VsIdle: number;
    /** The p99 of the workload's reads and of its committed writes, idle and during the run. */
    readP99Ms: { idle: number; during: number };
    writeP99Ms: { idle: number; during: number };
    probeOps: number;
  };
  notes: string[];
}

export interface WriteOverhead {
  updatesPerSecondNoMigration: number;
  updatesPerSecondMigrationActive: number;
}

export interface Targets {
  vsSingleUpdate: number;
  vsRowLockBatches: number;
  probeP99VsIdle: number;
  writeOverhead: number;
}

export interface BenchResult {
  rows: number;
  server: string;
  /** Runs of each method alone; the figures alone are the fastest run's. */
  repeat: number;
  methods: MethodResult[];
  /** Midair's rows/s with default throttles over its rows/s unthrottled, both under the workload: what gentleness costs. */
  throttledKeeps: number;
  /** Null with --application-only, as are the ratios other than probeP99VsIdle. */
  writeOverhead: WriteOverhead | null;
  ratios: Partial<Targets>;
  targets: Targets;
}

/** The targets: the first two and the last are floors, probeP99VsIdle a ceiling. */
export const TARGETS: Targets = { vsSingleUpdate: 0.85, vsRowLockBatches: 2, probeP99VsIdle: 1.5, writeOverhead: 0.8 };

export function meets(key: keyof Targets, value: number): boolean {
  return key === 'probeP99VsIdle' ? value <= TARGETS[key] : value >= TARGETS[key];
}
