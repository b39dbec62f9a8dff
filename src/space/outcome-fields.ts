/**
 * The trial outcome, declared once: every field of `TrialOutcome` with its
 * unit, description, run-log column, the key `sspe decide`'s state and the
 * JSON outputs spell it with, and what an SQL NULL reads back as. The run
 * log's trial columns, its insert records and row reading, decide's `last`
 * block (validation, template, help text, the outcome it stands for) and the
 * outcome part of `sspe runs --json` derive from this table (style.md,
 * habit 11). The table is checked against the `TrialOutcome` interface, so a
 * field added there and not here fails to compile.
 *
 * Order: the fields decide has always required come first, in the state
 * format's order (a state missing several is told about the first of them),
 * then the rest in the interface's order.
 */
import type { TrialOutcome } from '../backend/backend.js';

/** The quantiles of a per-frame time, in column order. */
export const QUANTILES = ['mean', 'p50', 'p95', 'p99', 'max'] as const;
export type QuantileName = (typeof QUANTILES)[number];

/**
 * What a field holds. It sets the column's SQL type and decide's check:
 * 'fraction' in [0, 1], 'count' a non-negative integer, 'amount' a
 * non-negative number, 'flag' a boolean, 'text' a text or null.
 */
export type ScalarKind = 'fraction' | 'count' | 'amount' | 'flag' | 'text';
export type SqlType = 'REAL' | 'INTEGER' | 'TEXT';

/**
 * What an SQL NULL in the run log reads back as: NaN (a metric the window
 * did not measure; SQLite stores NaN as NULL, so NaN round-trips), the field
 * left out (an optional field: absent and NaN both read back absent), or
 * null (a text); 'never' for a NOT NULL column.
 */
export type NullReadsAs = 'nan' | 'absent' | 'null' | 'never';

interface FieldCommon {
  /** Unit for messages and docs ('' for counts and fractions). */
  unit: string;
  description: string;
  /** snake_case name in decide's state and in JSON outputs. */
  key: string;
}

/** A field of one value. */
export interface ScalarField<V> extends FieldCommon {
  kind: ScalarKind;
  /** Column of the run log's trials table (snake_case, unit suffix). */
  column: string;
  nullReadsAs: NullReadsAs;
  /**
   * In decide's `last`: 'required' when a state must give it (what decide has
   * always read), else what the outcome decide builds holds when a state
   * leaves it out (undefined: the optional field stays absent).
   */
  decide: 'required' | { whenAbsent: V | undefined };
  /** A value inside its range, for `sspe decide --print-state-template`. */
  example: V;
}

/** Five quantiles of one time: a column each, one nested object in JSON and decide's state. */
export interface QuantilesField extends FieldCommon {
  kind: 'quantiles';
  columns: Record<QuantileName, string>;
  nullReadsAs: 'nan';
  /** The quantiles a state must give, and for each other one the given quantile it stands at when left out. */
  decide: { required: readonly QuantileName[]; whenAbsent: Partial<Record<QuantileName, QuantileName>> };
  example: Record<QuantileName, number>;
}

/** The declaration a TrialOutcome field of type T needs; an optional field must read NULL back as absent. */
type FieldFor<T, Optional extends boolean> = [T] extends [TrialOutcome['perFrameMs']]
  ? QuantilesField
  : (ScalarField<T> & { kind: [T] extends [boolean] ? 'flag' : [T] extends [string | null] ? 'text' : 'fraction' | 'count' | 'amount' }) &
      (Optional extends true ? { nullReadsAs: 'absent' } : [T] extends [boolean] ? { nullReadsAs: 'never' } : [T] extends [string | null] ? { nullReadsAs: 'null' } : { nullReadsAs: 'nan' });

type IsOptional<K extends keyof TrialOutcome> = object extends Pick<TrialOutcome, K> ? true : false;

/** One declaration per TrialOutcome field, no more, no fewer. */
export type OutcomeFieldTable = { [K in keyof TrialOutcome]-?: FieldFor<Exclude<TrialOutcome[K], undefined>, IsOptional<K>> };

export const OUTCOME_FIELDS = {
  perFrameMs: {
    kind: 'quantiles',
    unit: 'ms',
    description: 'per-frame processing time: from the frame\'s batch reaching Spark to its partition\'s output written',
    key: 'per_frame_ms',
    columns: { mean: 'per_frame_mean_ms', p50: 'per_frame_p50_ms', p95: 'per_frame_p95_ms', p99: 'per_frame_p99_ms', max: 'per_frame_max_ms' },
    nullReadsAs: 'nan',
    // Decide has read mean and p95; the others stand at the nearest of those two, as they always did.
    decide: { required: ['mean', 'p95'], whenAbsent: { p50: 'mean', p99: 'p95', max: 'p95' } },
    example: { mean: 650, p50: 620, p95: 900, p99: 980, max: 1100 },
  },
  cpuUtil: {
    kind: 'fraction',
    unit: '',
    description: 'CPU used ÷ CPU requested by the executor pods (what the HPA reads); a real run without Kubernetes metrics reports the busy share of task slots',
    key: 'cpu_util',
    column: 'cpu_util',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 0.7,
  },
  memUtil: {
    kind: 'fraction',
    unit: '',
    description: 'working set ÷ memory limit of the executor pods (NaN when not measured)',
    key: 'mem_util',
    column: 'mem_util',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 0.4,
  },
  backlogFrames: {
    kind: 'count',
    unit: 'frames',
    description: 'frames captured but neither processed nor dropped at the end of the window',
    key: 'backlog_frames',
    column: 'backlog_frames',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 120,
  },
  framesArrived: {
    kind: 'count',
    unit: 'frames',
    description: 'frames that arrived in the window',
    key: 'frames_arrived',
    column: 'frames_arrived',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 4800,
  },
  pendingPods: {
    kind: 'count',
    unit: 'pods',
    description: 'executor pods Pending at the end of the window',
    key: 'pending_pods',
    column: 'pending_pods',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 0,
  },
  framesProcessed: {
    kind: 'count',
    unit: 'frames',
    description: 'frames processed in the window',
    key: 'frames_processed',
    column: 'frames_processed',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 4680,
  },
  framesDropped: {
    kind: 'count',
    unit: 'frames',
    description: 'frames dropped in the window (their task failed too often)',
    key: 'frames_dropped',
    column: 'frames_dropped',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 0,
  },
  executorsRunning: {
    kind: 'count',
    unit: 'executors',
    description: 'executors running at the end of the window',
    key: 'executors_running',
    column: 'executors_running',
    nullReadsAs: 'nan',
    decide: 'required',
    example: 6,
  },
  throughputFps: {
    kind: 'amount',
    unit: 'fps',
    description: 'frames processed per second of the window',
    key: 'throughput_fps',
    column: 'throughput_fps',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 39,
  },
  slotUtil: {
    kind: 'fraction',
    unit: '',
    description: 'busy task slots ÷ slots of registered executors (Spark\'s view; absent when not measured)',
    key: 'slot_util',
    column: 'slot_util',
    nullReadsAs: 'absent',
    decide: { whenAbsent: undefined },
    example: 0.65,
  },
  pendingTasksMean: {
    kind: 'amount',
    unit: 'tasks',
    description: 'time-averaged tasks waiting for a free slot (what Spark\'s dynamic allocation reacts to; absent when not measured)',
    key: 'pending_tasks_mean',
    column: 'pending_tasks_mean',
    nullReadsAs: 'absent',
    decide: { whenAbsent: undefined },
    example: 0.5,
  },
  taskFailures: {
    kind: 'count',
    unit: 'tasks',
    description: 'task attempts that failed in the window',
    key: 'task_failures',
    column: 'task_failures',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 0,
  },
  executorLosses: {
    kind: 'count',
    unit: 'executors',
    description: 'executors lost in the window',
    key: 'executor_losses',
    column: 'executor_losses',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 0,
  },
  costPerHour: {
    kind: 'amount',
    unit: '$/h',
    description: '$ per hour of the nodes leased during the window',
    key: 'cost_per_hour',
    column: 'cost_per_hour',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 0.384,
  },
  requestCostPerHour: {
    kind: 'amount',
    unit: '$/h',
    description: '$ per hour of the CPU and memory the executor pods requested while bound, time-weighted (absent when not measured)',
    key: 'request_cost_per_hour',
    column: 'request_cost_per_hour',
    nullReadsAs: 'absent',
    decide: { whenAbsent: undefined },
    example: 0.21,
  },
  sloViolationFraction: {
    kind: 'fraction',
    unit: '',
    description: 'fraction of the window\'s frames over the per-frame SLO',
    key: 'slo_violation_fraction',
    column: 'slo_violation_fraction',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 0.05,
  },
  redeployed: {
    kind: 'flag',
    unit: '',
    description: 'whether the configuration change needed a redeploy',
    key: 'redeployed',
    column: 'redeployed',
    nullReadsAs: 'never',
    decide: { whenAbsent: false },
    example: false,
  },
  windowMs: {
    kind: 'amount',
    unit: 'ms',
    description: 'length of the measured window (simulated or real)',
    key: 'window_ms',
    column: 'window_ms',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 120_000,
  },
  wallMs: {
    kind: 'amount',
    unit: 'ms',
    description: 'wall time the trial took on the machine that ran it',
    key: 'wall_ms',
    column: 'wall_ms',
    nullReadsAs: 'nan',
    decide: { whenAbsent: 0 },
    example: 125_000,
  },
  failure: {
    kind: 'text',
    unit: '',
    description: 'why the window gave no usable measurement; null when it did',
    key: 'failure',
    column: 'failure',
    nullReadsAs: 'null',
    decide: { whenAbsent: null },
    example: null,
  },
} as const satisfies OutcomeFieldTable;

export type OutcomeFieldName = keyof TrialOutcome;
type Table = typeof OUTCOME_FIELDS;

/** Every field, in table order. */
export const OUTCOME_FIELD_NAMES = Object.keys(OUTCOME_FIELDS) as OutcomeFieldName[];

export function outcomeField(name: OutcomeFieldName): ScalarField<unknown> | QuantilesField {
  return OUTCOME_FIELDS[name];
}

// ---------------------------------------------------------------- run log

/** A run-log column name of an outcome field. */
export type OutcomeColumn =
  | Table['perFrameMs']['columns'][QuantileName]
  | { [K in Exclude<OutcomeFieldName, 'perFrameMs'>]: Table[K]['column'] }[Exclude<OutcomeFieldName, 'perFrameMs'>];

/** An outcome as the run log stores it: one value per column. */
export type OutcomeRecord = Record<OutcomeColumn, number | string | null>;

/** One column of the run log's trials table that holds (part of) an outcome field. */
export interface OutcomeColumnSpec {
  column: OutcomeColumn;
  sqlType: SqlType;
  field: OutcomeFieldName;
  /** The quantile a per-frame-time column holds. */
  quantile?: QuantileName;
}

const SQL_TYPES: Record<ScalarKind | 'quantiles', SqlType> = {
  quantiles: 'REAL',
  fraction: 'REAL',
  amount: 'REAL',
  count: 'INTEGER',
  flag: 'INTEGER',
  text: 'TEXT',
};

/** The run log's outcome columns, in table order. */
export const OUTCOME_COLUMNS: readonly OutcomeColumnSpec[] = OUTCOME_FIELD_NAMES.flatMap((field): OutcomeColumnSpec[] => {
  const f = outcomeField(field);
  if (f.kind === 'quantiles') {
    return QUANTILES.map((quantile) => ({ column: f.columns[quantile] as OutcomeColumn, sqlType: SQL_TYPES.quantiles, field, quantile }));
  }
  return [{ column: f.column as OutcomeColumn, sqlType: SQL_TYPES[f.kind], field }];
});

/** An outcome as the run log's columns hold it (SQLite turns NaN into NULL; a flag is 0 or 1; absent is NULL). */
export function outcomeRecord(outcome: TrialOutcome): OutcomeRecord {
  const record = {} as Record<string, number | string | null>;
  for (const spec of OUTCOME_COLUMNS) {
    const value = outcome[spec.field];
    if (spec.quantile !== undefined) record[spec.column] = (value as TrialOutcome['perFrameMs'])[spec.quantile];
    else if (typeof value === 'boolean') record[spec.column] = value ? 1 : 0;
    else record[spec.column] = (value as number | string | null | undefined) ?? null;
  }
  return record as OutcomeRecord;
}

/** The outcome a run-log row holds, NULLs read back as each field declares. */
export function outcomeFromRecord(record: OutcomeRecord): TrialOutcome {
  const out: Record<string, unknown> = {};
  for (const field of OUTCOME_FIELD_NAMES) {
    const f = outcomeField(field);
    if (f.kind === 'quantiles') {
      out[field] = Object.fromEntries(QUANTILES.map((q) => [q, nanIfNull(record[f.columns[q] as OutcomeColumn])]));
      continue;
    }
    const value = record[f.column as OutcomeColumn];
    if (f.kind === 'flag') out[field] = value === 1;
    else if (value !== null) out[field] = value;
    else if (f.nullReadsAs === 'nan') out[field] = Number.NaN;
    else if (f.nullReadsAs === 'null') out[field] = null;
    // 'absent': left out.
  }
  return out as unknown as TrialOutcome;
}

const nanIfNull = (value: number | string | null): number => (value === null ? Number.NaN : Number(value));

// ---------------------------------------------------------------- JSON

/** A value as JSON outputs carry it: the nested quantiles, null for an absent field (NaN prints as null too). */
export type OutcomeJson = Record<string, number | string | boolean | null | Record<QuantileName, number>>;

/** The outcome in JSON outputs' names (`sspe runs --json`): every field under its key, absent ones as null. */
export function outcomeJson(outcome: TrialOutcome): OutcomeJson {
  const out: OutcomeJson = {};
  for (const field of OUTCOME_FIELD_NAMES) {
    const value = outcome[field];
    out[OUTCOME_FIELDS[field].key] = value === undefined ? null : value;
  }
  return out;
}
