import { describeConformance } from './conformance/conformance.suite.js';
import { clusterHarness } from './conformance/engine-harness.js';

describeConformance(clusterHarness());
