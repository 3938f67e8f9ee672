// A long text cell kept as the UTF-8 bytes it was read as, so it reaches the hash and the database without a round trip through a JavaScript string.

/**
 * The bytes of one cell, valid UTF-8, already unquoted. A complaint's texts are most of an export's
 * bytes; decoded into strings they were decoded, hashed and encoded again on the way to the database.
 */
export class RawText {
  constructor(readonly bytes: Buffer) {}

  get byteLength(): number {
    return this.bytes.length;
  }

  toString(): string {
    return this.bytes.toString('utf8');
  }
}

/** The text of a value that may be kept as bytes. */
export function textOf<T>(value: T | RawText): T | string {
  return value instanceof RawText ? value.toString() : value;
}
