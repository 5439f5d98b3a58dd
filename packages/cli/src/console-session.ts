import WebSocket from 'ws';

export interface ConsoleSessionOptions {
  serverUrl: string;
  token: string;
  instanceId: string;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
  /** Byte that ends the session (default Ctrl-], like telnet and virsh console). */
  escapeByte?: number;
}

/** An interactive serial console over the server's console WebSocket. Resolves when it ends. */
export function runConsoleSession(opts: ConsoleSessionOptions): Promise<void> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const escape = opts.escapeByte ?? 0x1d;
  const url = `${opts.serverUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/api/v1/instances/${encodeURIComponent(opts.instanceId)}/console`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${opts.token}` } });
  return new Promise((resolve, reject) => {
    const wasRaw = input.isTTY ? input.isRaw : false;
    const cleanup = () => {
      input.off('data', onInput);
      if (input.isTTY) input.setRawMode(wasRaw);
      input.pause();
    };
    const onInput = (chunk: Buffer) => {
      const i = chunk.indexOf(escape);
      if (i >= 0) {
        if (i > 0) ws.send(chunk.subarray(0, i));
        ws.close();
        return;
      }
      ws.send(chunk);
    };
    ws.on('open', () => {
      if (input.isTTY) input.setRawMode(true);
      input.resume();
      input.on('data', onInput);
      process.stderr.write('Connected to the serial console (escape: Ctrl-]). Press Enter for a prompt.\r\n');
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const text = data.toString('utf8');
        if (text.startsWith('{"error"')) { reject(new Error((JSON.parse(text) as { error: { message: string } }).error.message)); return; }
      }
      output.write(data);
    });
    ws.on('close', () => { cleanup(); process.stderr.write('\r\nConsole closed.\r\n'); resolve(); });
    ws.on('error', (e) => { cleanup(); reject(e); });
  });
}
