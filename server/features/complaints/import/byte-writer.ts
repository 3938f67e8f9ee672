// A buffer that grows as UTF-8 text and bytes are written into it: a row's bytes for its hash, LOAD DATA's text.

/** What buffer.write(text, offset, 'utf8') calls once it has checked its arguments (room() makes them fit). */
interface Utf8Writable {
  utf8Write(text: string, offset: number): number;
}

export class ByteWriter {
  protected buffer: Buffer;
  protected n = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.n;
  }

  /** Makes room for `more` bytes after those written. */
  protected room(more: number): void {
    if (this.n + more <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.n + more));
    this.buffer.copy(bigger, 0, 0, this.n);
    this.buffer = bigger;
  }

  text(text: string): void {
    if (text === '') return;
    this.room(text.length * 3); // a UTF-16 unit is at most 3 bytes of UTF-8
    this.n += (this.buffer as unknown as Utf8Writable).utf8Write(text, this.n);
  }

  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    this.n += bytes.copy(this.buffer, this.n);
  }

  /** The bytes written (a view: valid until the next write). */
  written(): Buffer {
    return this.buffer.subarray(0, this.n);
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.n = 0;
  }
}
