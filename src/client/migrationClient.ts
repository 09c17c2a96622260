import { ident } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { RoutingState } from '../stages/routing.js';
import { deepEqual, jsonValue } from './compare.js';
import { decide, type Decision } from './decision.js';
import type { Evidence } from './evidence.js';
import type { Side } from './route.js';
import type { RoutingWatcher } from './routingWatcher.js';
import type { ClientLogger, MigrationSpec, ShapeDb } from './spec.js';
import type { ClientTransport } from './transport.js';

/** What every migration client of one application client shares. */
export interface ClientContext {
  transport: ClientTransport;
  watcher: RoutingWatcher;
  evidence: Evidence;
  logger: ClientLogger;
  /** The base schema, for the old shape's search_path before routing was ever read. */
  schema: string;
  /** The config's traffic.shadowSample. */
  shadowSample: number;
  /** Whether one more comparison may run in the background (else the read is not compared). */
  hasRoomInBackground(): boolean;
  /** Keeps track of a comparison finishing in the background (close and flush wait for it). */
  background(work: Promise<void>): void;
}

function describeInput(input: unknown): string {
  const text = jsonValue(input);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * One migration as the application uses it: reads and writes routed by the migration's stage,
 * ramp, canary sets and kill switch (see decide), shadow comparisons, and the evidence of each.
 */
export class MigrationClient<Input, Value = unknown, Written = unknown> {
  private answered = false;
  private compareErrorLogged = false;
  private readonly sample: number;

  constructor(
    readonly name: string,
    private readonly spec: MigrationSpec<Input, Value, Written>,
    private readonly ctx: ClientContext,
  ) {
    this.sample = spec.shadowSample ?? ctx.shadowSample;
  }

  /** Where this record's reads and writes go now: 'old' | 'new' ('old' until routing was first read). */
  route(input: Input): Side {
    const key = this.keyOf(input);
    return decide(this.known(), key, false).served;
  }

  /** The routing this instance applies now (null before it was first read, or when never known). */
  routing(): RoutingState | null {
    return this.ctx.watcher.view(this.name).state;
  }

  /** Calls fn with each routing this instance applies from now on; returns the unsubscribe. */
  onRoutingChange(fn: (state: RoutingState) => void): () => void {
    return this.ctx.watcher.onChange(this.name, fn);
  }

  /**
   * Reads from the side the record is routed to and returns that. On a sample (in shadow and
   * live) the other side is read too, after it in the same snapshot, and compared in the
   * background; its errors are counted, never thrown.
   */
  async read(input: Input): Promise<Value> {
    const key = this.keyOf(input);
    const state = await this.current();
    const decision = decide(state, key, this.spec.aa === true);
    if (decision.served === 'old' && state) this.ctx.evidence.servedOld(state);
    const started = performance.now();
    if (!state || !decision.other || !(Math.random() < this.sample) || !this.ctx.hasRoomInBackground()) {
      return this.timed('read', state, decision.served, started, this.ctx.transport.transaction(this.searchPath(state, decision.served), true, (db) => this.reader(decision.served)(db, input)));
    }
    const other = decision.other;
    const reads = this.ctx.transport.compareReads(
      { searchPath: this.searchPath(state, decision.served), fn: (db) => this.reader(decision.served)(db, input) },
      { searchPath: this.searchPath(state, other), fn: (db) => this.reader(other)(db, input) },
    );
    this.ctx.background(
      reads.other.then((outcome) => {
        if (!outcome) return;
        this.ctx.evidence.call(state, other, 'read', outcome.ms, 'error' in outcome);
        // The served value is there: the other side is read only after it.
        if ('value' in outcome) return reads.served.then((servedValue) => this.compare(state, decision, key, servedValue, outcome.value));
      }),
    );
    return this.timed('read', state, decision.served, started, reads.served);
  }

  /** Writes through the side the record is routed to, only (the sync triggers keep the other). Never buffered. */
  async write(input: Input): Promise<Written> {
    const key = this.keyOf(input);
    const state = await this.current();
    const side = decide(state, key, false).served;
    if (side === 'old' && state) this.ctx.evidence.servedOld(state);
    const write = side === 'old' ? this.spec.writeOld : this.spec.writeNew;
    return this.timed('write', state, side, performance.now(), this.ctx.transport.transaction(this.searchPath(state, side), false, (db) => write(db, input)));
  }

  private keyOf(input: Input): string {
    const raw = this.spec.key(input);
    if (raw === undefined || raw === null || raw === '') {
      throw new MidairError(
        `migration "${this.name}": key() returned ${raw === '' ? 'an empty string' : String(raw)} for the input ${describeInput(input)}`,
        'key(input) must return the routing key of the record the input concerns, e.g. `key: (input) => String(input.id)`',
      );
    }
    return String(raw);
  }

  /** The routing as of now, without waiting; refuses a name the control schema does not have. */
  private known(): RoutingState | null {
    const view = this.ctx.watcher.view(this.name);
    if (view.unknownAmong) {
      const known = view.unknownAmong;
      throw new MidairError(
        `no migration "${this.name}" in the control schema${known.length ? ` (it has ${known.map((n) => `"${n}"`).join(', ')})` : ' (it has none)'}`,
        'check the name given to midair.migration(), and start the migration (`midair start`) before the application that routes it',
      );
    }
    return view.state;
  }

  /** The routing to apply: waits for the first answer of the control schema once. */
  private async current(): Promise<RoutingState | null> {
    if (!this.answered) {
      await this.ctx.watcher.firstAnswer(this.name);
      this.answered = true;
    }
    return this.known();
  }

  private searchPath(state: RoutingState | null, side: Side): string {
    const schema = ident(state?.schema ?? this.ctx.schema);
    // decide never routes to new without a routing, which names the version schema.
    return side === 'old' ? schema : `${ident(state!.versionSchema)}, ${schema}`;
  }

  private reader(side: Side): (db: ShapeDb, input: Input) => Promise<Value> {
    return side === 'old' ? this.spec.readOld : this.spec.readNew;
  }

  /** Settles as `work` does, counting the call, its time since `started` and whether it failed. */
  private async timed<T>(kind: 'read' | 'write', state: RoutingState | null, side: Side, started: number, work: Promise<T>): Promise<T> {
    try {
      const value = await work;
      if (state) this.ctx.evidence.call(state, side, kind, performance.now() - started, false);
      return value;
    } catch (error) {
      if (state) this.ctx.evidence.call(state, side, kind, performance.now() - started, true);
      throw error;
    }
  }

  private compare(state: RoutingState, decision: Decision, key: string, servedValue: Value, otherValue: Value): void {
    const other = decision.other!;
    const aa = decision.served === 'old' && other === 'old';
    const [oldValue, newValue] = decision.served === 'new' ? [otherValue, servedValue] : [servedValue, otherValue];
    const started = performance.now();
    let equal: boolean;
    try {
      equal = (this.spec.compare ?? deepEqual)(oldValue, newValue);
    } catch (error) {
      this.ctx.evidence.compared(state, aa, performance.now() - started, 'error');
      if (!this.compareErrorLogged) {
        this.ctx.logger.warn(`midair: compare of migration "${this.name}" threw (key "${key}"): ${(error as Error).message}; compares that throw are counted as compare errors`);
        this.compareErrorLogged = true;
      }
      return;
    }
    this.ctx.evidence.compared(state, aa, performance.now() - started, equal ? 'equal' : 'mismatch');
    if (equal || !this.ctx.evidence.wantsMismatch(state.migrationId)) return;
    this.ctx.evidence.mismatch({
      migrationId: state.migrationId, at: Date.now(), stage: state.stage, key, aa,
      oldValue: this.redacted(oldValue), newValue: this.redacted(newValue),
    });
  }

  /** A value as stored in the mismatch log: through the redact hook; never unredacted when it throws. */
  private redacted(value: Value): string {
    if (!this.spec.redact) return jsonValue(value);
    try {
      return jsonValue(this.spec.redact(value));
    } catch (error) {
      return jsonValue({ redactFailed: (error as Error).message });
    }
  }
}
