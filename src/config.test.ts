import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const KEY = 'b'.repeat(64);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to the embedded database in ./data with demo data', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.resolve('data', 'pglite'), statementTimeoutMs: 15_000 });
    expect(config.loadDemoData).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.registryPseudonymKey).toBeUndefined();
  });

  it('runs on a server with DATABASE_URL, without demo data unless asked', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/registry', REGISTRY_PSEUDONYM_KEY: KEY });
    expect(config.database.kind).toBe('postgres');
    expect(config.loadDemoData).toBe(false);
    expect(config.registryPseudonymKey?.length).toBe(32);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/r', REGISTRY_PSEUDONYM_KEY: KEY, DEMO_DATA: 'true' }).loadDemoData).toBe(true);
  });

  it('takes the schema owner for migrations beside the service role, never without it', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@db/r',
      DATABASE_OWNER_URL: 'postgres://owner@db/r',
      REGISTRY_PSEUDONYM_KEY: KEY,
    });
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://app@db/r', ownerUrl: 'postgres://owner@db/r' });
    expect(problemsOf({ DATABASE_OWNER_URL: 'postgres://owner@db/r' })[0]).toMatch(/^DATABASE_OWNER_URL: needs DATABASE_URL/);
  });

  it('requires the registry key with a real database and names the variable', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://u@db:5432/registry' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^REGISTRY_PSEUDONYM_KEY: is required when DATABASE_URL is set/);
  });

  it('names every variable at fault at once', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', DEMO_DATA: 'maybe' });
    const variables = problems.map((problem) => problem.split(':')[0]);
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'DEMO_DATA']));
  });

  it('refuses a registry key shorter than 32 bytes', () => {
    const problems = problemsOf({ REGISTRY_PSEUDONYM_KEY: 'abcd' });
    expect(problems[0]).toMatch(/^REGISTRY_PSEUDONYM_KEY: must encode at least 32 bytes/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('puts every problem in the error message', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/Invalid configuration:\n {2}- PORT: /);
  });

  it('reads the CORS allow-list and the rate limits, with generous defaults', () => {
    expect(loadConfig({}).security).toEqual({ corsOrigins: [], rateLimit: { max: 3_000, windowMs: 60_000, authFailures: 100 } });
    const config = loadConfig({
      CORS_ORIGINS: 'https://dashboard.example.org, http://localhost:5173',
      RATE_LIMIT_MAX: '50',
      RATE_LIMIT_WINDOW_MS: '10000',
    });
    expect(config.security.corsOrigins).toEqual(['https://dashboard.example.org', 'http://localhost:5173']);
    expect(config.security.rateLimit).toMatchObject({ max: 50, windowMs: 10_000 });
  });

  it('refuses a CORS wildcard, a path or a scheme other than http(s)', () => {
    for (const origins of ['*', 'https://dashboard.example.org/app', 'ftp://example.org', 'https://a.example.org,*.example.org']) {
      expect(problemsOf({ CORS_ORIGINS: origins })[0], origins).toMatch(/^CORS_ORIGINS\.\d+: must list exact origins/);
    }
    expect(problemsOf({ RATE_LIMIT_MAX: '0' })[0]).toMatch(/^RATE_LIMIT_MAX: /);
  });

  it('keeps metrics and tracing off, and trusts no proxy, unless configured', () => {
    const config = loadConfig({});
    expect(config.metrics).toEqual({ port: undefined, host: '127.0.0.1', allowFrom: [] });
    expect(config.tracing.enabled).toBe(false);
    expect(config.trustProxy).toBe(false);
    expect(config.logFormat).toBe('auto');
  });

  it('reads the metrics port and allow-list, and refuses the API port or a bad address', () => {
    const config = loadConfig({ METRICS_PORT: '9464', METRICS_ALLOW_FROM: '10.0.0.0/8, ::1' });
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1', allowFrom: ['10.0.0.0/8', '::1'] });
    expect(problemsOf({ METRICS_PORT: '3000' })[0]).toMatch(/^METRICS_PORT: must differ from PORT/);
    expect(problemsOf({ METRICS_ALLOW_FROM: '10.0.0.0/8, prometheus.local' })[0]).toMatch(
      /^METRICS_ALLOW_FROM: "prometheus\.local" is not an IP address/,
    );
  });

  it('trusts a number of proxies or their addresses, never every proxy', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 172.16.0.0/12' }).trustProxy).toEqual(['10.0.0.5', '172.16.0.0/12']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(problemsOf({ TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY: trusting every proxy is refused/);
    expect(problemsOf({ TRUST_PROXY: 'proxy.local' })[0]).toMatch(/^TRUST_PROXY: "proxy\.local" is not an IP address/);
  });

  it('keeps every research release unless an operator sets a retention, and refuses a bad one at start', () => {
    expect(loadConfig({}).graphql.researchReleaseRetention).toEqual({ keep: 'all' });
    expect(loadConfig({ RESEARCH_RELEASE_RETENTION: '8' }).graphql.researchReleaseRetention).toEqual({ keep: 'newest', releases: 8 });
    expect(loadConfig({ RESEARCH_RELEASE_RETENTION: '24months' }).graphql.researchReleaseRetention).toEqual({ keep: 'months', months: 24 });
    expect(problemsOf({ RESEARCH_RELEASE_RETENTION: '0' })[0]).toMatch(/^RESEARCH_RELEASE_RETENTION: must keep at least 1 release/);
    expect(problemsOf({ RESEARCH_RELEASE_RETENTION: 'forever' })[0]).toMatch(/^RESEARCH_RELEASE_RETENTION: "forever" is not all/);
  });

  it('turns tracing on only when the standard OTEL variables name an exporter or an endpoint', () => {
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x' }).tracing.enabled).toBe(false);
    const otlp = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing;
    expect(otlp).toEqual({ enabled: true, exporter: 'otlp', protocol: 'http/protobuf', serviceName: 'care-trajectory-registry' });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing).toMatchObject({ enabled: true, exporter: 'console' });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing.enabled).toBe(false);
    expect(loadConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).tracing.enabled).toBe(false);
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).tracing.protocol).toBe('grpc');
    expect(problemsOf({ OTEL_TRACES_EXPORTER: 'zipkin' })[0]).toMatch(/^OTEL_TRACES_EXPORTER: /);
  });

  it('reads the cell-key method of the statistics, refusing what it cannot honour and the old suppression setting', () => {
    expect(loadConfig({}).statistics).toEqual({
      table: { maximumDeviation: 3, variance: 1, threshold: 2 },
      noiseShare: 0.5,
      minimumBase: 10,
      releaseMinimumYouths: 40,
      releaseMinimumOthers: 30,
      releaseCalendar: 'quarterly',
      churnWindowDays: 200,
      churnThreshold: 10,
      releaseCheckMinutes: 60,
      releaseAudit: true,
      keySecret: undefined,
    });
    expect(loadConfig({ STATISTICS_RELEASE_AUDIT: 'off' }).statistics.releaseAudit).toBe(false);
    expect(problemsOf({ STATISTICS_RELEASE_AUDIT: 'no' })[0]).toMatch(/^STATISTICS_RELEASE_AUDIT: /);
    expect(loadConfig({ STATISTICS_KEY_SECRET: KEY }).statistics.keySecret?.length).toBe(32);
    expect(problemsOf({ MIN_CELL_SIZE: '10' })[0]).toMatch(
      /^MIN_CELL_SIZE: is no longer used: statistics are protected by the cell-key method/,
    );
    expect(problemsOf({ STATISTICS_THRESHOLD: '4' })[0]).toMatch(/^STATISTICS_THRESHOLD: must not exceed STATISTICS_MAX_DEVIATION/);
    expect(problemsOf({ STATISTICS_VARIANCE: '2' })[0]).toMatch(
      /^STATISTICS_VARIANCE: no perturbation table D3-V2-js2 is shipped .*npm run ptable -- --D 3 --V 2 --js 2/,
    );
    expect(problemsOf({ STATISTICS_RELEASE_MINIMUM_YOUTHS: '20' })[0]).toMatch(/^STATISTICS_RELEASE_MINIMUM_YOUTHS: must be at least 40/);
  });
});
