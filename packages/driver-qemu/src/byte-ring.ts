/** A bounded byte log: keeps the most recent `capacity` bytes appended to it. */
export class ByteRing {
  private readonly buf: Buffer;
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`capacity ${capacity}`);
    this.buf = Buffer.alloc(capacity);
  }

  get size(): number {
    return this.length;
  }

  append(data: Buffer): void {
    const chunk = data;
    if (chunk.length >= this.capacity) {
      chunk.copy(this.buf, 0, chunk.length - this.capacity);
      this.start = 0;
      this.length = this.capacity;
      return;
    }
    const end = (this.start + this.length) % this.capacity;
    const first = Math.min(chunk.length, this.capacity - end);
    chunk.copy(this.buf, end, 0, first);
    chunk.copy(this.buf, 0, first);
    const overflow = Math.max(0, this.length + chunk.length - this.capacity);
    this.length = Math.min(this.capacity, this.length + chunk.length);
    this.start = (this.start + overflow) % this.capacity;
  }

  /** A copy of the retained bytes, oldest first. */
  snapshot(): Buffer {
    const firstLen = Math.min(this.length, this.capacity - this.start);
    return Buffer.concat([
      this.buf.subarray(this.start, this.start + firstLen),
      this.buf.subarray(0, this.length - firstLen),
    ]);
  }

  clear(): void {
    this.start = 0;
    this.length = 0;
  }
}
