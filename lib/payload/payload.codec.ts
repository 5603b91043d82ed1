import { PAYLOAD_TOO_DEEP, PAYLOAD_TOO_LARGE, UNSERIALIZABLE_PAYLOAD } from '../background.messages.js';
import { InvalidPayloadError } from '../errors/invalid-payload.error.js';

/** Objects and arrays within each other; JSON.stringify and JSON.parse recurse, and run out of stack a few thousand deep. */
export const MAX_PAYLOAD_DEPTH = 1000;

/**
 * Turns a payload into JSON text, refusing what JSON would silently change or drop
 * (functions, symbols, BigInt, NaN and Infinity, Map and Set, Buffer and typed arrays, cycles,
 * `undefined` at the top) and what nests too deep to read back, so that the handler receives
 * exactly what was sent.
 */
export function serializePayload(jobName: string, payload: unknown, maxBytes: number, kind: 'job' | 'event' = 'job'): string {
  if (payload === undefined) {
    throw new InvalidPayloadError(
      UNSERIALIZABLE_PAYLOAD(jobName, 'the payload', 'is undefined; pass null or an object instead', kind),
    );
  }
  assertFaithful(jobName, payload, kind);
  const text = JSON.stringify(payload);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short texts need no counting
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes) throw new InvalidPayloadError(PAYLOAD_TOO_LARGE(jobName, bytes, maxBytes, kind));
  }
  return text;
}

export function deserialize<T>(text: string | undefined): T | undefined {
  return text === undefined || text === '' ? undefined : (JSON.parse(text) as T);
}

function assertFaithful(jobName: string, payload: unknown, kind: 'job' | 'event'): void {
  const found = problemIn(payload, new Set(), 0);
  if (found === TOO_DEEP) throw new InvalidPayloadError(PAYLOAD_TOO_DEEP(jobName, MAX_PAYLOAD_DEPTH, kind));
  if (found) {
    const path = found.path.reduceRight<string>(
      (text, step) => (typeof step === 'number' ? `${text}[${step}]` : `${text}.${step}`),
      'payload',
    );
    throw new InvalidPayloadError(UNSERIALIZABLE_PAYLOAD(jobName, path, found.problem, kind));
  }
}

const TOO_DEEP = { path: [], problem: '' };

/** The first value JSON would not carry faithfully, with its path (innermost step first), or TOO_DEEP. */
function problemIn(value: unknown, seen: Set<object>, depth: number): { path: (string | number)[]; problem: string } | null {
  const problem = (text: string) => ({ path: [], problem: text });
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : problem(`is ${value}, which JSON turns into null; send a finite number or a string`);
    case 'bigint':
      return problem('is a BigInt; send it as a string (value.toString()) and parse it in the handler');
    case 'function':
      return problem('is a function; send data only, and look the behaviour up in the handler');
    case 'symbol':
      return problem('is a symbol; send a string instead');
    case 'undefined':
      // inside objects JSON drops the key, which reads back as undefined: faithful enough
      return null;
  }
  if (value === null) return null;
  const object = value as Record<string, unknown>;
  if (seen.has(object)) return problem('refers back to itself (a circular reference); send a tree, for example ids instead of objects');
  if (object instanceof Map || object instanceof Set) {
    return problem(`is a ${object.constructor.name}, which JSON turns into {}; send an array or a plain object`);
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) return problem(binaryProblem(object));
  if (typeof object.toJSON === 'function') return null; // Date and friends arrive as their JSON form
  if (depth === MAX_PAYLOAD_DEPTH) return TOO_DEEP;
  seen.add(object);
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      const found = problemIn(object[index], seen, depth + 1);
      if (found === TOO_DEEP) return found;
      if (found) {
        found.path.push(index);
        return found;
      }
    }
  } else {
    for (const key of Object.keys(object)) {
      const found = problemIn(object[key], seen, depth + 1);
      if (found === TOO_DEEP) return found;
      if (found) {
        found.path.push(key);
        return found;
      }
    }
  }
  seen.delete(object);
  return null;
}

function binaryProblem(value: ArrayBufferView | ArrayBuffer): string {
  const becomes = Buffer.isBuffer(value)
    ? "{ type: 'Buffer', data: [...] }"
    : value instanceof DataView || value instanceof ArrayBuffer
      ? '{}'
      : 'an object keyed by index ({ "0": ..., "1": ... })';
  const what = Buffer.isBuffer(value) ? 'Buffer' : value.constructor.name;
  const bytes = Buffer.isBuffer(value) || value instanceof Uint8Array || value instanceof ArrayBuffer;
  return `is a ${what}, which JSON turns into ${becomes}; ${bytes ? "send it as a base64 string (Buffer.from(value).toString('base64')) and decode it in the handler" : 'send an array (Array.from(value)) instead'}`;
}
