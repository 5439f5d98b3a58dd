import type { KumoClient, Operation } from '@kumo/api';

/** Follow an operation to its end, drawing a progress bar on a terminal (plain lines otherwise). */
export async function followOperation(client: KumoClient, op: Operation, stream: NodeJS.WriteStream = process.stderr): Promise<Operation> {
  const tty = stream.isTTY;
  const draw = (o: Operation) => {
    const width = 30;
    const filled = Math.round((o.progress / 100) * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(o.progress).padStart(3)}% ${o.status}: ${o.message}`;
    if (tty) stream.write(`\r\x1b[K${bar}`);
    else stream.write(`${bar}\n`);
  };
  draw(op);
  const final = await client.waitOperation(op.id, { onProgress: draw });
  if (tty) stream.write('\n');
  return final;
}
