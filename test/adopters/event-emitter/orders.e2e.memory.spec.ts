// The adopter's e2e test on the memory engine.
process.env.JOBS_STORAGE = 'memory';
await import('./orders.e2e.suite.js');
