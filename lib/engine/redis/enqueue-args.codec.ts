import type { NewJob } from '../storage-engine.interface.js';

/** Values enqueue.lua reads per job, in this order (see its header). */
export const ENQUEUE_FIELDS = 8;

/**
 * Jobs as the one argument of enqueue.lua: a MessagePack array of ENQUEUE_FIELDS values per job
 * (id, name, data, priority, max attempts, delay ms, timeout ms, trace context), which the script
 * reads with `cmsgpack.unpack`. One argument, not eight a job: ioredis copies a command's
 * arguments with `Array.prototype.flat()`, which cost the producer about 1 µs a job (of ~5), and
 * writes each as a string of its own.
 *
 * Strings are str 32 and numbers int 32 or float 64: fixed-size headers, so the size is known before
 * writing. A lone surrogate becomes U+FFFD, as in any UTF-8 a Redis command is sent in.
 */
export function encodeEnqueueArgs(jobs: readonly NewJob[]): Buffer {
  let size = 5;
  for (const job of jobs) size += 4 * 9 + 4 * 5 + utf8Bytes(job.id) + utf8Bytes(job.name) + utf8Bytes(job.data) + utf8Bytes(job.trace ?? '');
  const out = Buffer.allocUnsafe(size);
  out[0] = 0xdd;
  out.writeUInt32BE(jobs.length * ENQUEUE_FIELDS, 1);
  let at = 5;
  for (const job of jobs) {
    at = writeString(out, at, job.id);
    at = writeString(out, at, job.name);
    at = writeString(out, at, job.data);
    at = writeNumber(out, at, job.priority);
    at = writeNumber(out, at, job.maxAttempts);
    at = writeNumber(out, at, job.delayMs);
    at = writeNumber(out, at, job.timeoutMs);
    at = writeString(out, at, job.trace ?? '');
  }
  return out.subarray(0, at);
}

// room enough, so that the buffer is allocated once: UTF-8 takes at most 3 bytes per UTF-16 unit
// (counted exactly for long texts, which would otherwise reserve three times their size)
function utf8Bytes(text: string): number {
  return text.length <= 256 ? text.length * 3 : Buffer.byteLength(text);
}

function writeString(out: Buffer, at: number, text: string): number {
  const bytes = out.write(text, at + 5, 'utf8');
  out[at] = 0xdb;
  out.writeUInt32BE(bytes, at + 1);
  return at + 5 + bytes;
}

function writeNumber(out: Buffer, at: number, value: number): number {
  if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) {
    out[at] = 0xd2;
    out.writeInt32BE(value, at + 1);
    return at + 5;
  }
  out[at] = 0xcb;
  out.writeDoubleBE(value, at + 1);
  return at + 9;
}
