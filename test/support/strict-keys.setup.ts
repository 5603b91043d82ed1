// With BACKGROUND_STRICT_KEYS=1 (jest.config.js sets it, and the worker processes the tests spawn
// inherit it) every script of the engine checks that it touches only keys it was given in KEYS.
import { checkScriptsWith } from '../../lib/engine/redis/redis-scripts.js';
import { strictKeys } from './strict-keys.js';

if (process.env.BACKGROUND_STRICT_KEYS === '1') checkScriptsWith(strictKeys);
