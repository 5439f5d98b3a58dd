import WebSocket from 'ws';
import type { KumoClient } from '@kumo/api';
import { eventually } from './test-cloud.ts';

/**
 * Types a line into an instance's interactive console (the API's console WebSocket) and waits until
 * what the console prints matches `expect`; the error names what the console said last.
 */
export async function typeIntoConsole(client: KumoClient, baseUrl: string, id: string, text: string, expect: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/instances/${id}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
  let out = '';
  ws.on('message', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
  ws.send(Buffer.from(`\r${text}\r`));
  try {
    return await eventually(async () => expect.exec(out), `console answer ${expect}`, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the console said:\n${out.slice(-1500)}`);
  } finally { ws.close(); }
}
