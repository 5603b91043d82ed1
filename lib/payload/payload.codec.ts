import { PAYLOAD_TOO_LARGE, UNSERIALIZABLE_PAYLOAD } from '../background.messages.js';
import { InvalidPayloadError } from '../errors/invalid-payload.error.js';

/**
 * Turns a payload into JSON text, refusing what JSON would silently change or drop
 * (functions, symbols, BigInt, NaN and Infinity, Map and Set, cycles, `undefined` at the top)
 * so that the handler receives exactly what was sent.
 */
export function serializePayload(jobName: string, payload: unknown, maxBytes: number): string {
  if (payload === undefined) {
    throw new InvalidPayloadError(
      UNSERIALIZABLE_PAYLOAD(jobName, 'the payload', 'is undefined; pass null or an object instead'),
    );
  }
  assertFaithful(jobName, payload, 'payload', new Set());
  const text = JSON.stringify(payload);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) throw new InvalidPayloadError(PAYLOAD_TOO_LARGE(jobName, bytes, maxBytes));
  return text;
}

export function deserialize<T>(text: string | undefined): T | undefined {
  return text === undefined || text === '' ? undefined : (JSON.parse(text) as T);
}

function assertFaithful(jobName: string, value: unknown, path: string, seen: Set<object>): void {
  const fail = (problem: string): never => {
    throw new InvalidPayloadError(UNSERIALIZABLE_PAYLOAD(jobName, path, problem));
  };
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(`is ${value}, which JSON turns into null; send a finite number or a string`);
      return;
    case 'bigint':
      return fail('is a BigInt; send it as a string (value.toString()) and parse it in the handler');
    case 'function':
      return fail('is a function; send data only, and look the behaviour up in the handler');
    case 'symbol':
      return fail('is a symbol; send a string instead');
    case 'undefined':
      // inside objects JSON drops the key, which reads back as undefined: faithful enough
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (seen.has(object)) fail('refers back to itself (a circular reference); send a tree, for example ids instead of objects');
  if (object instanceof Map || object instanceof Set) {
    fail(`is a ${object.constructor.name}, which JSON turns into {}; send an array or a plain object`);
  }
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return; // Date and friends arrive as their JSON form
  seen.add(object);
  if (Array.isArray(object)) {
    object.forEach((item, index) => assertFaithful(jobName, item, `${path}[${index}]`, seen));
  } else {
    for (const [key, item] of Object.entries(object)) assertFaithful(jobName, item, `${path}.${key}`, seen);
  }
  seen.delete(object);
}
