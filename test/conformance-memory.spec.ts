import { describeConformance } from './conformance/conformance.suite.js';
import { memoryHarness } from './conformance/engine-harness.js';

describeConformance(memoryHarness());
