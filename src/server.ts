import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { loggerOptions } from './logger';
import { purgeExpiredAuditEvents } from './modules/audit/retention';
import { openConfiguredDatabase } from './runtime/open-configured-database';
import { prepareDatabase } from './runtime/prepare-database';

// Process entry: configuration, database, application, listen, and a graceful close.

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const logger = pino(loggerOptions(config.logLevel));
  const opened = await openConfiguredDatabase(config, {
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool will reconnect'),
  });
  logger.info({ database: config.database.kind, dataDir: config.database.kind === 'pglite' ? config.database.dataDir : undefined }, 'database opened');

  let app: FastifyInstance | undefined;
  try {
    await prepareDatabase(opened.database, opened.config, logger);
    app = await buildApp({ config: opened.config, database: opened.database, logger: loggerOptions(config.logLevel) });
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
    // Statistics: released when enough youths changed, checked after the indicators have caught up.
    const releaseStatistics = () =>
      app!.indicators
        .settle()
        .then(() => app!.statisticsReleases.release())
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
