/**
 * Thrown by a handler to fail the job at once, skipping its remaining attempts.
 * @publicApi
 */
export class UnrecoverableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableError';
  }
}
