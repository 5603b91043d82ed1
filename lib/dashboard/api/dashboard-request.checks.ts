import { BadRequestException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { ListedState } from '../../engine/ports/dashboard-store.interface.js';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';
import { JobNotFoundError } from '../../errors/job-not-found.error.js';
import { RedisUnavailableError } from '../../errors/redis-unavailable.error.js';
import { MAX_PAGE } from '../dashboard.constants.js';
import { DASHBOARD_BAD_PARAM, DASHBOARD_CONFIRM } from '../dashboard.messages.js';

export const LISTED_STATES: readonly ListedState[] = ['waiting', 'active', 'delayed', 'failed', 'completed', 'dead', 'cancelled'];

/** A query parameter that must be one of `allowed`; `fallback` when absent. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new BadRequestException(DASHBOARD_BAD_PARAM(name, `one of ${allowed.join(', ')}`, value));
  return value as T;
}

/** `limit`: 1 .. MAX_PAGE, default 50. */
export function pageLimit(value: unknown): number {
  if (value === undefined) return 50;
  const limit = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new BadRequestException(DASHBOARD_BAD_PARAM('limit', `an integer from 1 to ${MAX_PAGE}`, value));
  }
  return limit;
}

/** An optional string query parameter of at most `max` characters. */
export function optionalText(name: string, value: unknown, max = 500): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new BadRequestException(DASHBOARD_BAD_PARAM(name, `a string of at most ${max} characters`, value));
  return value;
}

/** A required string query parameter. */
export function requiredText(name: string, value: unknown, max = 500): string {
  const text = optionalText(name, value, max);
  if (text === undefined) throw new BadRequestException(DASHBOARD_BAD_PARAM(name, 'given', value));
  return text;
}

/** A destructive write goes ahead only with `{ "confirm": expected }` in its body. */
export function requireConfirm(body: unknown, expected: string): void {
  if ((body as { confirm?: unknown } | undefined)?.confirm !== expected) throw new BadRequestException(DASHBOARD_CONFIRM(expected));
}

/** The module's own errors in HTTP terms: a name that does not exist is 404, bad input 400, an outage 503. */
export async function asHttp<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof HttpException) throw error;
    if (error instanceof JobNotFoundError) throw new NotFoundException(error.message);
    if (error instanceof InvalidOptionsError) throw new BadRequestException(error.message);
    if (error instanceof RedisUnavailableError) throw new ServiceUnavailableException(error.message);
    throw error;
  }
}
