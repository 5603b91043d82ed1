// Jest's globalSetup: the tests start their own redis-server processes (and redis-cli forms a
// Redis Cluster), so without them on the PATH every suite would hang and fail one by one. Stop
// at once instead, with one line that says what to install.
import { spawnSync } from 'node:child_process';

export default function requireRedis() {
  const missing = ['redis-server', 'redis-cli'].filter((command) => spawnSync(command, ['--version']).error);
  if (missing.length === 0) return;
  process.stderr.write(
    `\nThe tests need ${missing.join(' and ')} (Redis 7 or later) on the PATH: install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run npm test again.\n\n`,
  );
  process.exit(1);
}
