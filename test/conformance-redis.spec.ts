import { describeConformance } from './conformance/conformance.suite.js';
import { redisHarness } from './conformance/engine-harness.js';

describeConformance(redisHarness());
