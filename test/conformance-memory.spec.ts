import { describeBreakers } from './conformance/breaker.suite.js';
import { describeConformance } from './conformance/conformance.suite.js';
import { describeSchedules } from './conformance/schedule.suite.js';
import { describeDeadLetters } from './conformance/dead-letter.suite.js';
import { describeRateLimits } from './conformance/rate-limit.suite.js';
import { describeEvents } from './conformance/events.suite.js';
import { describeLimits } from './conformance/limits.suite.js';
import { describeHandlerConcurrency } from './conformance/handler-concurrency.suite.js';
import { memoryHarness } from './conformance/engine-harness.js';

describeConformance(memoryHarness());
describeDeadLetters(memoryHarness());
describeBreakers(memoryHarness());
describeRateLimits(memoryHarness());
describeEvents(memoryHarness());
describeLimits(memoryHarness());
describeSchedules(memoryHarness());
describeHandlerConcurrency(memoryHarness());
