import { describeDashboardStore } from './conformance/dashboard.suite.js';
import { clusterHarness, memoryHarness, redisHarness } from './conformance/engine-harness.js';

// the dashboard's store, on each engine (and on a Cluster: its pipelines and keys must keep to one slot each)
describeDashboardStore(memoryHarness());
describeDashboardStore(redisHarness());
describeDashboardStore(clusterHarness());
