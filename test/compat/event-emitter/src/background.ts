// Not from the peer's suite: the BackgroundModule each ported app imports beside EventEmitterModule, on the engine
// the running spec file chose (memory, or a Redis server of its own with a fresh prefix per app).
import { BackgroundModule, type BackgroundModuleOptions } from '../../../../lib/index.js';

let options: () => BackgroundModuleOptions = () => ({ storage: 'memory' });

export function useStorage(choose: () => BackgroundModuleOptions): void {
  options = choose;
}

export const Background = BackgroundModule.forRootAsync({ useFactory: () => options() });
