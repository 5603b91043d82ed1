// The peer's own e2e suite (e2e/inherit-context-id.suite.ts, from nestjs/event-emitter) on the memory engine.
import { useStorage } from './src/background.js';

useStorage(() => ({ storage: 'memory' }));
await import('./e2e/inherit-context-id.suite.js');
