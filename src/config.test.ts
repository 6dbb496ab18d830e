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
    const config = loadConfig({ CORS_ORIGINS: 'https://dashboard.example.org, http://localhost:5173', RATE_LIMIT_MAX: '50', RATE_LIMIT_WINDOW_MS: '10000' });
    expect(config.security.corsOrigins).toEqual(['https://dashboard.example.org', 'http://localhost:5173']);
    expect(config.security.rateLimit).toMatchObject({ max: 50, windowMs: 10_000 });
  });

  it('refuses a CORS wildcard, a path or a scheme other than http(s)', () => {
    for (const origins of ['*', 'https://dashboard.example.org/app', 'ftp://example.org', 'https://a.example.org,*.example.org']) {
      expect(problemsOf({ CORS_ORIGINS: origins })[0], origins).toMatch(/^CORS_ORIGINS\.\d+: must list exact origins/);
    }
    expect(problemsOf({ RATE_LIMIT_MAX: '0' })[0]).toMatch(/^RATE_LIMIT_MAX: /);
  });

  it('reads the cell-key method of the statistics, refusing what it cannot honour and the old suppression setting', () => {
    expect(loadConfig({}).statistics).toEqual({
      table: { maximumDeviation: 3, variance: 1, threshold: 2 },
      noiseShare: 0.5,
      minimumBase: 10,
      releaseMinimumYouths: 40,
      releaseCheckMinutes: 60,
      keySecret: undefined,
    });
    expect(loadConfig({ STATISTICS_KEY_SECRET: KEY }).statistics.keySecret?.length).toBe(32);
    expect(problemsOf({ MIN_CELL_SIZE: '10' })[0]).toMatch(/^MIN_CELL_SIZE: is no longer used: statistics are protected by the cell-key method/);
    expect(problemsOf({ STATISTICS_THRESHOLD: '4' })[0]).toMatch(/^STATISTICS_THRESHOLD: must not exceed STATISTICS_MAX_DEVIATION/);
    expect(problemsOf({ STATISTICS_VARIANCE: '2' })[0]).toMatch(/^STATISTICS_VARIANCE: no perturbation table D3-V2-js2 is shipped .*npm run ptable -- --D 3 --V 2 --js 2/);
    expect(problemsOf({ STATISTICS_RELEASE_MINIMUM_YOUTHS: '20' })[0]).toMatch(/^STATISTICS_RELEASE_MINIMUM_YOUTHS: must be at least 40/);
  });
});
