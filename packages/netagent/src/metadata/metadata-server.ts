/**
 * The metadata service's HTTP part: serves routeMetadataRequest() for one network
 * from a JSON table file (MetadataTable). The file is re-read whenever its inode,
 * size or mtime changed (checked on each request; the agent replaces it with an
 * atomic rename) and on reload(), so an update is visible to the very next request.
 * A file that fails to parse keeps the last good table.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { routeMetadataRequest } from './metadata-router.ts';
import { MetadataIndex, type MetadataTable } from './metadata-table.ts';
import { createMetadataTokens } from './metadata-tokens.ts';

export interface MetadataServerOptions {
  networkId: string;
  tableFile: string;
  onError?: (message: string) => void;
}

export interface MetadataService {
  readonly server: Server;
  /** Re-reads the table file now. */
  reload(): void;
}

function parseTable(text: string, file: string): MetadataTable {
  const data = JSON.parse(text) as Partial<MetadataTable>;
  if (typeof data.networkId !== 'string' || !Array.isArray(data.instances)) {
    throw new Error(`${file} is not a metadata table: it needs networkId and instances`);
  }
  return data as MetadataTable;
}

export function createMetadataService(options: MetadataServerOptions): MetadataService {
  let index = new MetadataIndex([]);
  let stamp = '';
  const load = (force: boolean): void => {
    try {
      const st = statSync(options.tableFile);
      const next = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (!force && next === stamp) return;
      const table = parseTable(readFileSync(options.tableFile, 'utf8'), options.tableFile);
      index = new MetadataIndex(table.networkId === options.networkId ? [table] : []);
      stamp = next;
    } catch (e) {
      options.onError?.(`cannot load ${options.tableFile}: ${(e as Error).message}`);
    }
  };
  load(true);
  const tokens = createMetadataTokens();
  const server = createServer((req, res) => {
    load(false);
    const response = routeMetadataRequest(
      { method: req.method ?? 'GET', url: req.url ?? '/', sourceIp: req.socket.remoteAddress ?? '', headers: req.headers },
      { networkId: options.networkId, index, tokens, now: Date.now },
    );
    res.writeHead(response.status, { 'content-type': response.contentType, 'content-length': response.body.length, ...response.headers });
    res.end(req.method === 'HEAD' ? undefined : response.body);
  });
  return { server, reload: () => load(true) };
}
