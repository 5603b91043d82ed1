import type { ClaimedJob } from '../storage-engine.interface.js';

/**
 * The jobs of claim.lua's answer, two strings of MessagePack values each: its id, attempt and
 * priority (packed by the claim), then the header it was enqueued with, as stored (see base:jobs
 * in lua/parts/lib.lua): name, priority when enqueued, max attempts, timeout ms, enqueued at,
 * trace context ('' none), data. The claim passes the header on undecoded, so that Redis neither
 * decodes nor copies a job's data into a value of its own, and a job is two values to read here
 * rather than nine.
 */
export function decodeClaimedJobs(parts: Buffer[]): ClaimedJob[] {
  const reader = new MessagePackReader();
  const jobs: ClaimedJob[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    reader.read(parts[i]!);
    const id = String(reader.value());
    const attempt = Number(reader.value());
    const priority = Number(reader.value());
    reader.read(parts[i + 1]!);
    const name = String(reader.value());
    reader.value(); // the priority it was enqueued with: the claim's is the one it is waiting at
    const maxAttempts = Number(reader.value());
    const timeoutMs = Number(reader.value());
    const enqueuedAt = Number(reader.value());
    const trace = reader.value();
    const data = String(reader.value());
    jobs.push({ id, name, data, attempt, maxAttempts, timeoutMs, enqueuedAt, priority, ...(trace ? { trace: String(trace) } : {}) });
  }
  return jobs;
}

/** Reads the MessagePack values Redis' `cmsgpack.pack` writes for strings, numbers, booleans and nil. */
class MessagePackReader {
  private bytes: Buffer = Buffer.alloc(0);
  private at = 0;

  /** Reads `bytes` from their start from now on. */
  read(bytes: Buffer): void {
    this.bytes = bytes;
    this.at = 0;
  }

  value(): string | number | boolean | null {
    const bytes = this.bytes;
    const at = this.at;
    const type = bytes[at]!;
    this.at = at + 1;
    if (type <= 0x7f) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type >= 0xa0 && type <= 0xbf) return this.text(type - 0xa0);
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.text(this.skip(1, bytes[at + 1]!));
      case 0xc5:
      case 0xda:
        return this.text(this.skip(2, bytes.readUInt16BE(at + 1)));
      case 0xc6:
      case 0xdb:
        return this.text(this.skip(4, bytes.readUInt32BE(at + 1)));
      case 0xca:
        return this.skip(4, bytes.readFloatBE(at + 1));
      case 0xcb:
        return this.skip(8, bytes.readDoubleBE(at + 1));
      case 0xcc:
        return this.skip(1, bytes[at + 1]!);
      case 0xcd:
        return this.skip(2, bytes.readUInt16BE(at + 1));
      case 0xce:
        return this.skip(4, bytes.readUInt32BE(at + 1));
      case 0xcf:
        return this.skip(8, bytes.readUInt32BE(at + 1) * 2 ** 32 + bytes.readUInt32BE(at + 5));
      case 0xd0:
        return this.skip(1, bytes.readInt8(at + 1));
      case 0xd1:
        return this.skip(2, bytes.readInt16BE(at + 1));
      case 0xd2:
        return this.skip(4, bytes.readInt32BE(at + 1));
      case 0xd3:
        return this.skip(8, bytes.readInt32BE(at + 1) * 2 ** 32 + bytes.readUInt32BE(at + 5));
      default:
        throw new Error(`The claim's reply holds a MessagePack value of type 0x${type.toString(16)} at byte ${at}, which no job header has.`);
    }
  }

  /** Moves past a value's `size` bytes after its type, giving back `value`. */
  private skip<T>(size: number, value: T): T {
    this.at += size;
    return value;
  }

  private text(length: number): string {
    const from = this.at;
    this.at = from + length;
    if (this.at > this.bytes.length) throw new Error(`The claim's reply ends inside a string of ${length} bytes at byte ${from}.`);
    return this.bytes.toString('utf8', from, this.at);
  }
}
