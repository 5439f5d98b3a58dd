/**
 * What the CLI's command tests share: a stand-in API on loopback that hands each request, body read,
 * to the test's route function, and a runner that calls the CLI in-process with its stdout and
 * stderr captured. The CLI may only talk HTTP; the server's own behaviour is tested in packages/server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../program.ts';

/** One request the stand-in API received. */
export interface StandInRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  /** The raw body ('' when none). */
  text: string;
}

/** Answer with a status and a JSON body; no body (204) when `body` is undefined. */
export type StandInReply = (status: number, body?: unknown) => void;

export interface StandInApi { url: string; close(): Promise<void> }

/** Starts the stand-in on 127.0.0.1 and an ephemeral port; `route` answers every request. */
export async function startStandInApi(route: (req: StandInRequest, reply: StandInReply) => void): Promise<StandInApi> {
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => { text += d.toString('utf8'); });
    req.on('end', () => {
      const url = req.url ?? '';
      const parsed = new URL(url, 'http://stand-in');
      const reply: StandInReply = (status, body) => {
        if (body === undefined) { res.writeHead(status); res.end(); return; }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      route({ method: req.method ?? '', url, path: parsed.pathname, query: parsed.searchParams, text }, reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface CliResult { code: number; out: string; err: string }

/**
 * exitOverride on every command, not only the root: a sub-command made before the root's override
 * keeps commander's default and calls process.exit on a usage error (a missing required option),
 * which ended the whole test file in silence.
 */
function throwInsteadOfExit(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwInsteadOfExit(sub);
  return cmd;
}

/**
 * Runs `kumo --server URL --token TOKEN ARGS…` in-process. Only the CLI's text is captured: the test
 * runner's own reporting (binary chunks) passes through.
 */
export async function runKumo(serverUrl: string, args: readonly string[], token = 't'): Promise<CliResult> {
  let out = ''; let err = '';
  const w = process.stdout.write.bind(process.stdout); const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((out += s), true) : w(s, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((err += s), true) : e(s, ...rest))) as typeof process.stderr.write;
  try {
    const code = await runCli(throwInsteadOfExit(buildProgram()), ['node', 'kumo', '--server', serverUrl, '--token', token, ...args]);
    return { code, out, err };
  } finally { process.stdout.write = w; process.stderr.write = e; }
}
