import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { refuseArguments } from './cli/command-line';
import { ConfigError, loadConfig } from './config';
import { logFormatOf, loggerOptions } from './logger';

// Process entry: configuration, tracing, database, application, listen, and a graceful close.
// Only configuration, logging and tracing are imported up front: tracing patches Fastify,
// Mercurius, graphql and pg as they load, so everything that loads them is imported after it.

const USAGE = `Start the registry service. Settings come from environment variables (docs/operations.md, "Configuration"),
not arguments; without DATABASE_URL it keeps an embedded database in DATA_DIR.

  npm start            start (npm run start:built: the compiled build)
  npm start -- --help  this text`;

async function main(): Promise<void> {
  refuseArguments('start', USAGE);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const logger = pino(loggerOptions(config.logLevel, logFormatOf(config)));
  // Loaded only when on: the SDK and its exporters are a sizeable part of start-up otherwise.
  const telemetry = config.tracing.enabled ? await (await import('./runtime/telemetry')).startTelemetry(config.tracing) : undefined;
  if (telemetry) logger.info({ exporter: config.tracing.exporter, protocol: config.tracing.protocol }, 'tracing on');
  const [{ buildApp }, { purgeExpiredAuditEvents }, { openConfiguredDatabase }, { prepareDatabase }] = await Promise.all([
    import('./app'),
    import('./modules/audit/retention'),
    import('./runtime/open-configured-database'),
    import('./runtime/prepare-database'),
  ]);
  const opened = await openConfiguredDatabase(config, {
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool will reconnect'),
  });
  logger.info(
    { database: config.database.kind, dataDir: config.database.kind === 'pglite' ? config.database.dataDir : undefined },
    'database opened',
  );

  let app: FastifyInstance | undefined;
  try {
    await prepareDatabase(opened.database, opened.config, logger);
    // The audit trail is append-only by its triggers; only a role of its own keeps the service
    // from switching those off (docs/operations.md, "Database roles"). PGlite has one role: said there.
    if (opened.database.kind === 'postgres') {
      const { auditTrailExposure } = await import('./db/roles');
      const exposure = await auditTrailExposure(opened.database);
      if (exposure.length > 0) {
        logger.warn(
          { exposure },
          'the service\'s database role could change the audit trail; give it a role of its own (docs/operations.md, "Database roles")',
        );
      }
    }
    app = await buildApp({ config: opened.config, database: opened.database, logger: loggerOptions(config.logLevel, logFormatOf(config)) });
    await app.listen({ host: config.host, port: config.port });
    // Retention: once at start, then daily. The database refuses any cut-off under five years.
    const purge = () =>
      purgeExpiredAuditEvents(opened.database, config.auditRetentionYears).then(
        (purged) => purged > 0 && logger.info({ purged }, 'audit events past retention purged'),
        (error: unknown) => logger.error({ err: error }, 'audit retention purge failed'),
      );
    // Open trajectories spend another day in care: their dose and fidelity move with it.
    const refreshIndicators = () =>
      app!.indicators.enqueueStale().then(
        () => app!.indicators.kick(),
        (error: unknown) => logger.error({ err: error }, 'queueing indicator updates failed'),
      );
    const daily = () => {
      void purge();
      return refreshIndicators();
    };
    // Statistics: released on their calendar, checked after the indicators have caught up.
    const releaseStatistics = () =>
      app!.indicators
        .settle()
        .then(() => app!.statisticsReleases.releaseIfDue())
        .catch((error: unknown) => logger.error({ err: error }, 'statistics release check failed'));
    void daily().then(releaseStatistics);
    setInterval(daily, 24 * 60 * 60 * 1000).unref();
    setInterval(releaseStatistics, config.statistics.releaseCheckMinutes * 60 * 1000).unref();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await app?.close().catch(() => undefined);
    await opened.close();
    process.exit(1);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    const forced = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    forced.unref();
    try {
      await app!.close();
      await opened.close();
      // The last spans (those of the requests that just finished) go out before the process ends.
      await telemetry?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'exporting the last spans failed'));
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
