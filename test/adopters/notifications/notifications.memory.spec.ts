// The notifications app on the memory engine.
process.env.JOBS_STORAGE = 'memory';
await import('./notifications.suite.js');
