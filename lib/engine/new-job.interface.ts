/** A job as it is handed to an engine: validated, serialized, every default applied. */
export interface NewJob {
  id: string;
  name: string;
  queue: string;
  /** Payload as JSON text. */
  data: string;
  priority: number;
  maxAttempts: number;
  /** How long from now (storage's clock) before it may run; 0 = now. */
  delayMs: number;
  /** 0 = no timeout. */
  timeoutMs: number;
  /** The enqueuing call's trace context (a W3C carrier as JSON), handed to the job's run; absent: none. */
  trace?: string;
}
