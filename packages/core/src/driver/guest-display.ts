/**
 * The graphical console as a byte stream: the driver connects to the guest's display server (QEMU's
 * VNC server, RFB protocol) and the agent relays the bytes to the server, which relays them to the
 * browser's noVNC. Nothing here reads RFB: the stream is opaque end to end.
 */
export interface GuestDisplayStream {
  /** Bytes from the viewer to the display server. */
  write(data: Buffer): void;
  /** Ends the connection; onClose is not called for a close the caller asked for. */
  close(): void;
}

export interface GuestDisplayHandlers {
  /** Bytes from the display server. */
  onData(data: Buffer): void;
  /** The display server ended the connection (the guest stopped, QEMU exited). */
  onClose(reason: string): void;
}
