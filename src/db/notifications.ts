import pg from 'pg';
import type { Database } from './client';

// PostgreSQL LISTEN on a connection of its own (a pooled connection would drop the LISTEN when
// released). A lost connection is reported, then re-established with back-off: while it is away
// the caller must assume it missed notifications. PGlite delivers NOTIFY in process.

export interface NotificationHandlers {
  /** A notification on the channel arrived (sent when its transaction committed). */
  onNotify(payload: string): void;
  /** LISTEN is in place: from here on no change is missed. */
  onListening(): void;
  /** The listening connection was lost: changes may be missed until the next onListening. */
  onLost(error: Error): void;
}

export interface Listener {
  close(): Promise<void>;
}

const MAX_RETRY_MS = 5_000;

export function listenForNotifications(database: Database, channel: string, handlers: NotificationHandlers): Listener {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
  if (database.kind === 'pglite') {
    const unlisten = database.pglite
      .listen(channel, (payload) => handlers.onNotify(payload))
      .then((stop) => {
        handlers.onListening();
        return stop;
      });
    return {
      close: async () => {
        const stop = await unlisten.catch(() => undefined);
        if (!database.pglite.closed) await stop?.().catch(() => undefined);
      },
    };
  }

  let closed = false;
  let current: pg.Client | undefined;
  let retryMs = 250;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const client = new pg.Client({ ...database.pool.options, application_name: `registry listener ${channel}` });
    let gone = false;
    const lost = (error: Error) => {
      if (gone) return;
      gone = true;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (current === client) current = undefined;
      if (closed) return;
      handlers.onLost(error);
      timer = setTimeout(() => void connect(), retryMs);
      timer.unref();
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the listening connection ended')));
    client.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (gone || closed) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
    retryMs = 250;
    handlers.onListening();
  };
  void connect();

  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
