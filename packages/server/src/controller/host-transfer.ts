import type { JobProgress } from '@kumo/core';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import type { HostPorts } from './host-ports.ts';

export interface FileTransfer {
  transferId: string;
  source: { hostId: string; path: string };
  target: { hostId: string; address: string; path: string };
  deadlineMs: number;
  onProgress?: (p: JobProgress) => void;
  signal?: AbortSignal;
}

/**
 * Copy a file from one host to another over a direct TCP stream: a port is allocated on the target,
 * the target listens on it, the source streams the file as a job (progress, cancel, re-attach by
 * transfer id), and both ends' SHA-256 must agree. Whatever happens, the listener is closed and the
 * port released; a transfer that did not complete leaves no file on the target.
 */
export async function transferFile(gateway: AgentGateway, ports: HostPorts, t: FileTransfer): Promise<{ bytes: number; sha256: string }> {
  const port = await ports.allocate(t.target.hostId, 'transfer', t.transferId);
  try {
    await gateway.call(t.target.hostId, 'transfer.listen', { transferId: t.transferId, port, path: t.target.path }, 15_000);
    try {
      const sent = await gateway.call(t.source.hostId, 'transfer.send', { transferId: t.transferId, address: t.target.address, port, path: t.source.path }, t.deadlineMs, {
        jobKey: `transfer:${t.transferId}`, ...(t.onProgress ? { onProgress: t.onProgress } : {}), ...(t.signal ? { signal: t.signal } : {}),
      });
      // The receiver's close waits for its side of the stream to end, then reports what arrived.
      const received = await gateway.call(t.target.hostId, 'transfer.close', { transferId: t.transferId }, 30_000);
      if (!received.complete || received.sha256 !== sent.sha256 || received.bytes !== sent.bytes) {
        throw new AgentCallError('host_failure', `transfer ${t.transferId}: sent ${sent.bytes} bytes (${sent.sha256}), received ${received.bytes} (${received.sha256 ?? 'incomplete'})`);
      }
      return sent;
    } finally {
      await gateway.call(t.target.hostId, 'transfer.close', { transferId: t.transferId }, 15_000).catch(() => undefined);
    }
  } finally {
    await ports.release(t.target.hostId, port);
  }
}
