import pg from 'pg';

/** A PostgreSQL LISTEN/NOTIFY channel on a connection of its own (not taken from the query pool). */
export interface PgChannel {
  /** Send a payload (under 8,000 bytes) to every listener of the channel, this one included. */
  notify(payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Channel names are identifiers: lower-case letters, digits and underscores. */
export function channelName(base: string, schema: string | undefined): string {
  const name = `${base}_${schema ?? 'public'}`.toLowerCase();
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > 63) throw new Error(`invalid channel name ${name}`);
  return name;
}

/**
 * LISTEN on `channel`; `onMessage` gets each payload. A lost connection is reopened (after 1 s) and
 * `onReconnect` told, since notifications sent meanwhile are gone (listeners re-read what they follow).
 */
export async function openPgChannel(url: string, channel: string, onMessage: (payload: string) => void, onReconnect: () => void = () => undefined): Promise<PgChannel> {
  let closed = false;
  let client: pg.Client | null = null;
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => { if (n.channel === channel && n.payload !== undefined) onMessage(n.payload); });
    c.on('error', () => undefined);
    c.on('end', () => {
      if (closed || client !== c) return;
      client = null;
      const retry = () => {
        if (closed) return;
        connect().then((nc) => { client = nc; onReconnect(); }, () => setTimeout(retry, 1000).unref());
      };
      setTimeout(retry, 1000).unref();
    });
    await c.connect();
    await c.query(`LISTEN "${channel}"`);
    return c;
  };
  client = await connect();
  return {
    async notify(payload) {
      if (!client) throw new Error(`channel ${channel} is reconnecting`);
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      closed = true;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
