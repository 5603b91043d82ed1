import { describeConformance } from './conformance/conformance.suite.js';
import { describeDeadLetters } from './conformance/dead-letter.suite.js';
import { redisHarness } from './conformance/engine-harness.js';

describeConformance(redisHarness());
describeDeadLetters(redisHarness());
