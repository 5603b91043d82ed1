import { EventEmitter } from 'node:events';
import type { Settlement } from '../engine/storage-engine.interface.js';

/**
 * Tells `waitFor` in this process that a job it waits for was settled in storage, so that it
 * need not wait for its next look.
 */
export class JobEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  settled(settlements: Settlement[]): void {
    if (this.emitter.listenerCount('settled') === 0) return;
    for (const settlement of settlements) this.emitter.emit('settled', settlement.id);
  }

  /** Calls `listener` when `id` is settled here; returns the unsubscribe function. */
  onSettled(id: string, listener: () => void): () => void {
    const handler = (settled: string) => settled === id && listener();
    this.emitter.on('settled', handler);
    return () => this.emitter.off('settled', handler);
  }
}
