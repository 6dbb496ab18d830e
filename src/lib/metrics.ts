import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { OPERATION_ANONYMOUS, OPERATION_INVALID, OPERATION_WITHHELD, safeOperationName } from './operation-name';

// The service's Prometheus metrics, one registry per application (tests build many). Labels
// are route patterns, record types, statuses and outcomes: never a pseudonym, reference, key
// or value, and never unbounded (client-chosen GraphQL operation names are vetted and capped).

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15];

export const MAX_OPERATION_NAMES = 100;

/** The labels that are not a client's name. */
const PLACEHOLDERS = new Set([OPERATION_ANONYMOUS, OPERATION_INVALID, OPERATION_WITHHELD, 'other']);

/**
 * A GraphQL operation name as a label: its safe form (operation-name.ts: "anonymous", "invalid"
 * and "withheld" for names that are not plain or may identify someone); past
 * MAX_OPERATION_NAMES distinct names every new one is "other", so a client cannot grow the
 * series without bound.
 */
export function operationLabels(limit = MAX_OPERATION_NAMES): (name: string | undefined) => string {
  const seen = new Set<string>();
  return (name) => {
    const safe = safeOperationName(name);
    if (PLACEHOLDERS.has(safe) || seen.has(safe)) return safe;
    if (seen.size >= limit) return 'other';
    seen.add(safe);
    return safe;
  };
}

export interface IndicatorQueueState {
  depth: number;
  /** Age of the oldest queued trajectory, in seconds; 0 when the queue is empty. */
  oldestSeconds: number;
}

export interface PoolState {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** Per institution code: erasures since the last published statistics release, and of young records (churn). */
export type StatisticsChurn = Record<string, { erasures: number; young: number }>;

export interface MetricSources {
  pool?: () => PoolState;
  indicatorQueue?: () => Promise<IndicatorQueueState>;
  statisticsChurn?: () => Promise<StatisticsChurn>;
  /** Called when a source fails at scrape time; the other series are still served. */
  onSourceError?: (error: unknown) => void;
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let sources: MetricSources = {};

  const metrics = {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code, with their duration.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    graphqlOperations: new Counter({
      name: 'registry_graphql_operations_total',
      help: 'GraphQL operations by name, type and outcome (success, error, refused before execution).',
      labelNames: ['operation', 'type', 'outcome'] as const,
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'registry_graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL operations, by name and type.',
      labelNames: ['operation', 'type'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'registry_db_query_duration_seconds',
      help: 'Duration of SQL statements, by whether they failed.',
      labelNames: ['outcome'] as const,
      buckets: QUERY_BUCKETS,
      registers,
    }),
    ingestRecords: new Counter({
      name: 'registry_ingest_records_total',
      help: 'Records pushed, by source (bulk stream, single record or FHIR Bundle), record type, status and the outcome of their request.',
      labelNames: ['source', 'type', 'status', 'outcome'] as const,
      registers,
    }),
    auditEvents: new Counter({
      name: 'registry_audit_events_written_total',
      help: 'Audit events inserted, by the outcome of the audited request.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    auditWriteFailures: new Counter({
      name: 'registry_audit_write_failures_total',
      help: 'Audit events that could not be inserted.',
      registers,
    }),
    auditWriteDuration: new Histogram({
      name: 'registry_audit_write_duration_seconds',
      help: 'Time to insert one audit event (hash chain included).',
      buckets: QUERY_BUCKETS,
      registers,
    }),
    statisticsReleases: new Counter({
      name: 'registry_statistics_release_attempts_total',
      help: 'Statistics release attempts by outcome (published, unchanged, waiting: the change rule held them, postponed: churn, failed).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    statisticsPublished: new Gauge({
      name: 'registry_statistics_last_published_timestamp_seconds',
      help: 'When the statistics release that answers are read from was published (Unix time).',
      registers,
    }),
    operationLabel: operationLabels(),
    /** Counts a finished ingest report's records by type and status (unknown types as "unknown"). */
    countIngestReport(source: 'bulk' | 'single' | 'fhir', report: { outcome: string; counts: Record<string, Record<string, number>> }) {
      for (const [type, statuses] of Object.entries(report.counts)) {
        for (const [status, count] of Object.entries(statuses)) {
          if (count > 0) metrics.ingestRecords.inc({ source, type, status, outcome: report.outcome }, count);
        }
      }
    },
    /** Where the gauges read from at scrape time (the database pool, the indicator queue). */
    setSources(next: MetricSources) {
      sources = next;
    },
  };

  new Gauge({
    name: 'registry_statistics_churn_erasures',
    help: 'Erasures per institution since the last published statistics release: all, and of records erased soon after they were created (young; churn postpones a release). Read at scrape time.',
    labelNames: ['institution', 'kind'] as const,
    registers,
    async collect() {
      const churn = await sources.statisticsChurn?.().catch((error: unknown) => {
        sources.onSourceError?.(error);
        return undefined;
      });
      if (!churn) return;
      this.reset();
      for (const [institution, counts] of Object.entries(churn)) {
        this.set({ institution, kind: 'all' }, counts.erasures);
        this.set({ institution, kind: 'young' }, counts.young);
      }
    },
  });
  new Gauge({
    name: 'registry_db_pool_connections',
    help: 'Connections of the PostgreSQL pool: total open, idle, requests waiting for one, and the maximum.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const pool = sources.pool?.();
      if (!pool) return;
      for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, pool[state]);
    },
  });
  // Both queue gauges come from one query per scrape: the registry starts every collect in
  // registration order before awaiting any, so the second finds the first one's reading.
  let reading: Promise<IndicatorQueueState | undefined> | undefined;
  const readQueue = () =>
    sources.indicatorQueue?.().catch((error: unknown) => {
      sources.onSourceError?.(error);
      return undefined;
    });
  new Gauge({
    name: 'registry_indicator_queue_depth',
    help: 'Trajectories waiting for their indicators to be computed.',
    registers,
    async collect() {
      reading = readQueue();
      const state = await reading;
      if (state) this.set(state.depth);
    },
  });
  new Gauge({
    name: 'registry_indicator_queue_oldest_seconds',
    help: 'How long the oldest queued trajectory has waited for its indicators (the queue lag).',
    registers,
    async collect() {
      const state = await (reading ?? readQueue());
      if (state) this.set(state.oldestSeconds);
    },
  });
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
