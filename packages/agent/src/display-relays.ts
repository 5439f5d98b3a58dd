/**
 * The agent's half of graphical console streams: each stream the server opens (instance.displayOpen,
 * with a streamId the server chose) is one driver connection to the guest's display server; bytes
 * go both ways as display-data frames and either side ends it with display-close. When the link to
 * the server drops, every stream ends (the server's side is gone with it).
 */
import { DriverError, type Driver, type GuestDisplayStream } from '@kumo/core';
import type { DisplayCloseMessage, DisplayDataMessage } from '@kumo/api';

export class DisplayRelays {
  private readonly streams = new Map<string, GuestDisplayStream>();
  /** Streams the server closed while the driver was still connecting them. */
  private readonly closedWhileOpening = new Set<string>();

  constructor(private readonly driver: Driver, private readonly send: (frame: DisplayDataMessage | DisplayCloseMessage) => void) {}

  async open(instanceId: string, streamId: string): Promise<null> {
    if (!this.driver.openDisplay || !this.driver.capabilities().includes('graphical-console')) {
      throw new DriverError(`the ${this.driver.kind} driver has no graphical console`, 'unsupported');
    }
    if (this.streams.has(streamId)) return null; // the same open asked again
    const stream = await this.driver.openDisplay(instanceId, {
      onData: (data) => this.send({ type: 'display-data', streamId, data: data.toString('base64') }),
      onClose: (reason) => {
        if (this.streams.delete(streamId)) this.send({ type: 'display-close', streamId, reason });
      },
    });
    if (this.closedWhileOpening.delete(streamId)) { stream.close(); return null; }
    this.streams.set(streamId, stream);
    return null;
  }

  /** Bytes from the viewer; a stream that is gone already is told so. */
  data(streamId: string, data: Buffer): void {
    const s = this.streams.get(streamId);
    if (s) s.write(data);
    else this.send({ type: 'display-close', streamId, reason: 'no such stream on this host' });
  }

  close(streamId: string): void {
    const s = this.streams.get(streamId);
    if (!s) { this.closedWhileOpening.add(streamId); return; }
    s.close();
    this.streams.delete(streamId);
  }

  closeAll(): void {
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
    this.closedWhileOpening.clear();
  }

  openCount(): number { return this.streams.size; }
}
