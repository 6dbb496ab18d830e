import path from 'node:path';
import { z } from 'zod';
import { formatAddressEntry, parseAddressList } from './lib/address-list';
import { shippedTables } from './lib/statistics/perturbation-table-file';
import { tableLabel } from './lib/statistics/perturbation-table';
import { CALENDARS } from './lib/statistics/release-calendar';
import { parseRetention, type ReleaseRetention } from './modules/research/research-release-retention';

// The one place that reads the environment. Everything else receives a parsed `Config`.

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A 32-byte (or longer) secret given as hex or base64. */
const secretKey = z.string().transform((value, ctx): Buffer => {
  const bytes = /^[0-9a-fA-F]+$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length < 32) {
    ctx.addIssue({ code: 'custom', message: 'must encode at least 32 bytes (64 hex characters or 44 base64 characters)' });
    return z.NEVER;
  }
  return bytes;
});

/**
 * Exact origins (scheme, host, optional port), comma-separated. A wildcard is refused: the
 * registry holds record-level data, so every browser application that may call it is named.
 */
const corsOrigins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/,
          'must list exact origins such as https://dashboard.example.org (no path, no wildcard)',
        ),
    ),
  );

/** Comma-separated IP addresses and CIDR ranges (see lib/address-list.ts). */
const addressList = z.string().transform((value, ctx) => {
  const { entries, problems } = parseAddressList(value);
  for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem });
  return entries.map(formatAddressEntry);
});

/**
 * Which proxies' X-Forwarded-For to believe: a number of hops, or the proxies' addresses. `true`
 * (believe anyone) is refused: any client could then write its own address into the audit trail
 * and spread its requests over made-up addresses to escape the rate limits.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  const text = value.trim();
  if (/^(false|none|0)$/i.test(text)) return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops <= 20) return hops;
    ctx.addIssue({ code: 'custom', message: 'must be at most 20 proxies' });
    return z.NEVER;
  }
  if (/^(true|yes|\*)$/i.test(text)) {
    ctx.addIssue({
      code: 'custom',
      message: 'trusting every proxy is refused: give the number of proxies in front of the service, or their addresses',
    });
    return z.NEVER;
  }
  const { entries, problems } = parseAddressList(text);
  for (const problem of problems) ctx.addIssue({ code: 'custom', message: `${problem} (give a number of proxies, or their addresses)` });
  return entries.map(formatAddressEntry);
});

/** How long research releases keep their records (modules/research/research-release-retention.ts). */
const releaseRetention = z.string().transform((value, ctx): ReleaseRetention => {
  const parsed = parseRetention(value);
  if ('problem' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed;
});

/** Values of the standard OTEL_TRACES_EXPORTER this service supports. */
const otelTracesExporter = z.enum(['otlp', 'console', 'none']);
const otelProtocol = z.enum(['http/protobuf', 'http/json', 'grpc']);

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** auto: readable (pino-pretty) on a terminal in development, JSON otherwise. */
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    /** Proxies in front of the service whose X-Forwarded-For is believed (hops or addresses). */
    TRUST_PROXY: trustProxy.optional(),
    /** Serve Prometheus metrics on this port of their own (at /metrics). Unset: no metrics port. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Serve /metrics on the API port too, to these addresses and ranges only. Unset: not there. */
    METRICS_ALLOW_FROM: addressList.optional(),
    /** The standard OpenTelemetry variables: tracing is on only when an exporter or endpoint is named. */
    OTEL_SDK_DISABLED: booleanFlag.optional(),
    OTEL_TRACES_EXPORTER: otelTracesExporter.optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: otelProtocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otelProtocol.optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('care-trajectory-registry'),
    /** PostgreSQL server; when absent the service runs on an embedded PGlite database in DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /**
     * The role that owns the schema: migrations run as it, and it grants the service's role
     * (DATABASE_URL) what it needs. Unset: migrations run as the service's role (one role).
     */
    DATABASE_OWNER_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** Longest a single SQL statement may run before the database cancels it. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
    DATA_DIR: z.string().min(1).default('./data'),
    /** The registry's own key for re-keying source pseudonyms. Required with DATABASE_URL. */
    REGISTRY_PSEUDONYM_KEY: secretKey.optional(),
    /** Load the synthetic demo dataset into an empty database. Default: on for PGlite, off for a server. */
    DEMO_DATA: booleanFlag.optional(),
    /** Largest accepted request body for ordinary routes, in bytes. */
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Largest bulk ingest stream, in bytes; it is read as a stream, so this bounds time, not memory. */
    INGEST_MAX_BYTES: z.coerce.number().int().min(1024).default(1_073_741_824),
    INGEST_MAX_LINE_BYTES: z.coerce.number().int().min(256).max(16_777_216).default(65_536),
    /** Records written per statement batch. */
    INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(20_000).default(2_000),
    /** Days an activity or measurement may lie outside its trajectory's dates. */
    INGEST_DATE_TOLERANCE_DAYS: z.coerce.number().int().min(0).max(90).default(7),
    /** How long audit events are kept; the law asks at least five years, the database enforces it. */
    /** Largest page of trajectories a GraphQL query may ask for. */
    GRAPHQL_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
    /** Researchers see trajectories that ended before the quarter holding today minus this many days. */
    RESEARCH_RELEASE_DELAY_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
    /** Which research releases keep their records: all (a cited release can be read again), the newest n, or n months. */
    RESEARCH_RELEASE_RETENTION: releaseRetention.default({ keep: 'all' }),
    /** Days from the start of a trajectory that count as intake, for problem recognition. */
    INTAKE_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(42),
    GRAPHQL_MAX_COST: z.coerce.number().int().min(100).default(50_000),
    GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(1).max(1000).default(15),
    GRAPHQL_INTROSPECTION: booleanFlag.optional(),
    GRAPHIQL: booleanFlag.optional(),
    /** Replaced by the cell-key method (STATISTICS_*); refused so that no one relies on it unknowingly. */
    MIN_CELL_SIZE: z.string().optional(),
    /** D of the cell-key method: the largest perturbation of a published count. */
    STATISTICS_MAX_DEVIATION: z.coerce.number().int().min(1).max(10).default(3),
    /** V: the variance of the perturbation of a count. */
    STATISTICS_VARIANCE: z.coerce.number().positive().default(1),
    /** js: published counts are never 1 … js. */
    STATISTICS_THRESHOLD: z.coerce.number().int().min(0).max(10).default(2),
    /** m: the largest noise on a mean or median, as a share of its magnifier. */
    STATISTICS_MAGNITUDE_NOISE: z.coerce.number().min(0.1, 'must be at least 0.1').max(5).default(0.5),
    /** Means and medians only where the published count of their contributors is at least this. */
    STATISTICS_MINIMUM_BASE: z.coerce.number().int().min(5, 'must be at least 5').max(1000).default(10),
    /** A family of figures is released only when at least this many youths changed in it. */
    STATISTICS_RELEASE_MINIMUM_YOUTHS: z.coerce
      .number()
      .int()
      .min(
        40,
        'must be at least 40 (with fewer, answers before and after a release tell more about the youths that changed: see BENCHMARKS.md)',
      )
      .max(10_000)
      .default(40),
    /**
     * The release audit (modules/statistics/statistics-audit.ts): every release solves its answers
     * together as an attacker would and withholds the small counts they determine. Off only for
     * tests that do not look at statistics (the attack tests keep it on).
     */
    STATISTICS_RELEASE_AUDIT: z.enum(['on', 'off']).default('on'),
    /**
     * The change rule (statistics-release-rules.ts): a family of figures is released only when, for
     * every institution, the youths that changed in it and are not its own are none or at least
     * this many; otherwise it waits for the next release.
     */
    STATISTICS_RELEASE_MINIMUM_OTHERS: z.coerce
      .number()
      .int()
      .min(
        10,
        'must be at least 10 (with fewer, an institution that pushes invented youths learns about the few real ones that changed: see BENCHMARKS.md)',
      )
      .max(10_000)
      // 30, not 20: at 20 (releases of a median 33 youths not the attacker's) the best guess of a
      // filler-flanked youth's outcome class ran 10.6 points over the base rate on 5,000
      // trajectories (bench:provider-attacks, docs/benchmarks-history.md), past the bound of 10.
      .default(30),
    /** When statistics are released: at the start of each week, month or quarter, or only when an operator runs one. */
    STATISTICS_RELEASE_CALENDAR: z.enum(CALENDARS).default('quarterly'),
    /**
     * An erasure (or a correction of its groups) of a record created less than this many days
     * before counts as churn. Longer than two quarters by default: fillers pushed before one
     * release and erased after the next are still young.
     */
    STATISTICS_CHURN_WINDOW_DAYS: z.coerce.number().int().min(1).max(3650).default(200),
    /** Churn erasures of one institution since the last release that postpone the next until an operator acknowledges them. */
    STATISTICS_CHURN_THRESHOLD: z.coerce.number().int().min(1).max(1_000_000).default(10),
    /** How often the server checks whether a release is due. */
    STATISTICS_RELEASE_CHECK_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
    /** Secret for the youths' record keys; default: derived from REGISTRY_PSEUDONYM_KEY. */
    STATISTICS_KEY_SECRET: secretKey.optional(),
    AUDIT_RETENTION_YEARS: z.coerce.number().int().min(5, 'must be at least 5 (NEN 7513)').max(100).default(5),
    /**
     * Signed checkpoints of the audit chain (modules/audit/audit-checkpoints.ts): an Ed25519
     * private key (PEM) the database never holds; unset: no checkpoints.
     */
    AUDIT_CHECKPOINT_KEY_FILE: z.string().min(1).optional(),
    /** Where checkpoints are appended, one JSON line each; default DATA_DIR/audit-checkpoints.jsonl. */
    AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
    /** Browser origins allowed to call the API cross-origin, comma-separated; unset: none. */
    CORS_ORIGINS: corsOrigins.default([]),
    /** Requests per window, per API key (per address for requests without a valid key). */
    RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(1_000_000_000).default(3_000),
    RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
    /** Failed authentications per window from one address before it is refused for the rest of the window. */
    RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).max(1_000_000_000).default(100),
  })
  .superRefine((env, ctx) => {
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_PORT'],
        message: 'must differ from PORT (to serve metrics on the API port, use METRICS_ALLOW_FROM)',
      });
    }
    if (env.DATABASE_OWNER_URL && !env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_OWNER_URL'],
        message: 'needs DATABASE_URL (the service role) beside it; the embedded database has one role',
      });
    }
    if (env.MIN_CELL_SIZE !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['MIN_CELL_SIZE'],
        message:
          'is no longer used: statistics are protected by the cell-key method ' +
          '(STATISTICS_MAX_DEVIATION, STATISTICS_VARIANCE, STATISTICS_THRESHOLD, ...; see docs/operations.md, "Configuration"); unset it',
      });
    }
    if (env.STATISTICS_THRESHOLD > env.STATISTICS_MAX_DEVIATION) {
      ctx.addIssue({
        code: 'custom',
        path: ['STATISTICS_THRESHOLD'],
        message: 'must not exceed STATISTICS_MAX_DEVIATION (a count of 1 needs a published value above the threshold within D)',
      });
    } else if (env.STATISTICS_VARIANCE >= env.STATISTICS_MAX_DEVIATION ** 2) {
      ctx.addIssue({ code: 'custom', path: ['STATISTICS_VARIANCE'], message: 'must be below STATISTICS_MAX_DEVIATION squared' });
    } else {
      const { STATISTICS_MAX_DEVIATION: d, STATISTICS_VARIANCE: v, STATISTICS_THRESHOLD: js } = env;
      const label = tableLabel({ maximumDeviation: d, variance: v, threshold: js });
      if (!shippedTables().includes(label)) {
        ctx.addIssue({
          code: 'custom',
          path: ['STATISTICS_VARIANCE'],
          message: `no perturbation table ${label} is shipped (shipped: ${shippedTables().join(', ')}); generate and review it first: npm run ptable -- --D ${d} --V ${v} --js ${js}`,
        });
      }
    }
    if (env.DATABASE_URL && !env.REGISTRY_PSEUDONYM_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['REGISTRY_PSEUDONYM_KEY'],
        message: 'is required when DATABASE_URL is set (generate one with: openssl rand -hex 32)',
      });
    }
  });

export type Environment = z.input<typeof environmentSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The parsed environment as the service reads it, grouped by concern. `Config` is its return type:
 * the shape is declared here once, and each field's type comes from its variable's schema.
 */
function toConfig(env: z.output<typeof environmentSchema>) {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    /** Fastify's trustProxy: false, a number of hops, or the proxies' addresses. */
    trustProxy: env.TRUST_PROXY ?? false,
    /** Prometheus metrics: on their own port, and/or on the API port for the listed addresses. */
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST, allowFrom: env.METRICS_ALLOW_FROM ?? [] },
    /** OpenTelemetry tracing; exporters read their endpoint and headers from the OTEL_* variables themselves. */
    tracing: {
      // As the OpenTelemetry specification has it: off when disabled or exporting to "none"; and
      // here also off unless an exporter or an endpoint is named, so nothing is sent by default.
      enabled:
        !env.OTEL_SDK_DISABLED &&
        env.OTEL_TRACES_EXPORTER !== 'none' &&
        (env.OTEL_TRACES_EXPORTER !== undefined ||
          env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
          env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined),
      exporter: env.OTEL_TRACES_EXPORTER === 'console' ? ('console' as const) : ('otlp' as const),
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
      serviceName: env.OTEL_SERVICE_NAME,
    },
    database: env.DATABASE_URL
      ? {
          kind: 'postgres' as const,
          url: env.DATABASE_URL,
          ...(env.DATABASE_OWNER_URL ? { ownerUrl: env.DATABASE_OWNER_URL } : {}),
          poolMax: env.DATABASE_POOL_MAX,
          statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
        }
      : { kind: 'pglite' as const, dataDir: path.join(dataDir, 'pglite'), statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS },
    dataDir,
    /** Undefined only on the embedded database before the secrets file is read (see secrets.ts). */
    registryPseudonymKey: env.REGISTRY_PSEUDONYM_KEY,
    loadDemoData: env.DEMO_DATA ?? !env.DATABASE_URL,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    ingest: {
      maxBytes: env.INGEST_MAX_BYTES,
      maxLineBytes: env.INGEST_MAX_LINE_BYTES,
      batchSize: env.INGEST_BATCH_SIZE,
      toleranceDays: env.INGEST_DATE_TOLERANCE_DAYS,
    },
    auditRetentionYears: env.AUDIT_RETENTION_YEARS,
    /** Null when no key is configured. */
    auditCheckpoints: env.AUDIT_CHECKPOINT_KEY_FILE
      ? {
          keyFile: path.resolve(env.AUDIT_CHECKPOINT_KEY_FILE),
          file: path.resolve(env.AUDIT_CHECKPOINT_FILE ?? path.join(dataDir, 'audit-checkpoints.jsonl')),
          intervalSeconds: env.AUDIT_CHECKPOINT_INTERVAL_SECONDS,
        }
      : null,
    statistics: {
      table: { maximumDeviation: env.STATISTICS_MAX_DEVIATION, variance: env.STATISTICS_VARIANCE, threshold: env.STATISTICS_THRESHOLD },
      noiseShare: env.STATISTICS_MAGNITUDE_NOISE,
      minimumBase: env.STATISTICS_MINIMUM_BASE,
      releaseMinimumYouths: env.STATISTICS_RELEASE_MINIMUM_YOUTHS,
      releaseMinimumOthers: env.STATISTICS_RELEASE_MINIMUM_OTHERS,
      releaseCalendar: env.STATISTICS_RELEASE_CALENDAR,
      churnWindowDays: env.STATISTICS_CHURN_WINDOW_DAYS,
      churnThreshold: env.STATISTICS_CHURN_THRESHOLD,
      releaseCheckMinutes: env.STATISTICS_RELEASE_CHECK_MINUTES,
      /** The release audit; false only where a test switches it off. */
      releaseAudit: env.STATISTICS_RELEASE_AUDIT === 'on',
      /** Undefined: derived from the registry pseudonym key (see app.ts). */
      keySecret: env.STATISTICS_KEY_SECRET,
    },
    graphql: {
      maxPageSize: env.GRAPHQL_MAX_PAGE_SIZE,
      intakeWindowDays: env.INTAKE_WINDOW_DAYS,
      researchReleaseDelayDays: env.RESEARCH_RELEASE_DELAY_DAYS,
      researchReleaseRetention: env.RESEARCH_RELEASE_RETENTION,
      // On in development, off in production unless asked for.
      introspection: env.GRAPHQL_INTROSPECTION ?? env.NODE_ENV !== 'production',
      graphiql: env.GRAPHIQL ?? env.NODE_ENV === 'development',
      maxCost: env.GRAPHQL_MAX_COST,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
    },
    security: {
      corsOrigins: env.CORS_ORIGINS,
      rateLimit: { max: env.RATE_LIMIT_MAX, windowMs: env.RATE_LIMIT_WINDOW_MS, authFailures: env.RATE_LIMIT_AUTH_FAILURES },
    },
  };
}

/** The configuration every part of the service receives (see toConfig). */
export type Config = ReturnType<typeof toConfig>;

/** Parses the environment once; throws a ConfigError naming every variable at fault. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as in most twelve-factor tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
  }
  return toConfig(parsed.data);
}
