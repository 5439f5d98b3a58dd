/**
 * Entry point of the metadata service process the agent starts in each router
 * namespace (`ip netns exec <router> node --import tsx metadata-server-main.ts ...`):
 *
 *   --network <id> --table <file.json> --listen <ip> --port <n> --pid-file <file>
 *
 * Writes its pid file once it listens (the agent waits for that), re-reads the
 * table on SIGHUP (and by itself when the file changes), exits on SIGTERM/SIGINT.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createMetadataService } from './metadata-server.ts';

const { values } = parseArgs({
  options: {
    network: { type: 'string' },
    table: { type: 'string' },
    listen: { type: 'string' },
    port: { type: 'string' },
    'pid-file': { type: 'string' },
  },
});
const { network, table, listen, port } = values;
const pidFile = values['pid-file'];
if (network === undefined || table === undefined || listen === undefined || port === undefined || pidFile === undefined) {
  console.error('usage: metadata-server-main --network ID --table FILE --listen IP --port N --pid-file FILE');
  process.exit(2);
}

const log = (message: string): void => {
  console.error(`${new Date().toISOString()} metadata[${process.pid}] ${message}`);
};
const service = createMetadataService({ networkId: network, tableFile: table, onError: log });
service.server.on('error', (e) => {
  log(`server error: ${e.message}`);
  process.exit(1);
});
service.server.listen(Number(port), listen, () => {
  const tmp = `${pidFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, pidFile);
  log(`listening on ${listen}:${port} for network ${network}`);
});
process.on('SIGHUP', () => {
  service.reload();
  log('table reloaded');
});
const stop = (): void => {
  try {
    if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile, { force: true });
  } catch {
    // no pid file: nothing to remove
  }
  service.server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
