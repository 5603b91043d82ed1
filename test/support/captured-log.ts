import type { LoggerService } from '@nestjs/common';

/** Every line the application logs, as `level message`, and a promise for the first line that matches. */
export class CapturedLog implements LoggerService {
  readonly lines: string[] = [];
  private readonly waiters: { match: string; resolve: () => void }[] = [];

  log(message: unknown) {
    this.add(`log ${message}`);
  }
  warn(message: unknown) {
    this.add(`warn ${message}`);
  }
  error(message: unknown) {
    this.add(`error ${message}`);
  }
  debug(message: unknown) {
    this.add(`debug ${message}`);
  }
  verbose(message: unknown) {
    this.add(`verbose ${message}`);
  }

  /** Resolves once a line equal to `line` has been logged (at once if it already was). */
  logged(line: string): Promise<void> {
    if (this.lines.includes(line)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match: line, resolve }));
  }

  count(line: string): number {
    return this.lines.filter((logged) => logged === line).length;
  }

  private add(line: string) {
    this.lines.push(line);
    for (const waiter of this.waiters.filter((w) => w.match === line)) waiter.resolve();
  }
}
