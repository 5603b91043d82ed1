import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';

/** How long the stream's first event may take: the poller's first read is at once, but the machine is shared. */
const FIRST_EVENT_DEADLINE_MS = 30_000;

/** One dashboard page left open on a queue: its live stream, read until `close`. */
export interface DashboardTab {
  /** Server-sent events received so far (the poller sends `overview` / `jobs` only when they changed). */
  events(): number;
  /** Resolves at the stream's first event (the poller's first read done); rejects after 30 s without one. */
  firstEvent(): Promise<void>;
  /** Ends the stream; fails if it never sent an event (the page would have stayed empty). */
  close(): Promise<void>;
}

/**
 * Opens the queue page's live stream (`GET /jobs-dashboard/api/stream?queue=`, what a browser tab on
 * that queue keeps open) on an app that listens, and reads it in the background, so that the app's
 * poller reads the overview and the queue's head every second until `close`. Resolves as soon as the
 * stream is open; `firstEvent()` waits for the poller's first read.
 */
export async function openDashboardTab(app: INestApplication, queue: string): Promise<DashboardTab> {
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/jobs-dashboard/api/stream?queue=${encodeURIComponent(queue)}`, {
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    controller.abort();
    throw new Error(`BENCH_DASHBOARD: the stream answered ${response.status}`);
  }
  let events = 0;
  let arrived: () => void = () => {};
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
        // events end with a blank line; count them and keep only an incomplete tail
        const parts = text.split('\n\n');
        text = parts.pop() ?? '';
        events += parts.filter((part) => part.includes('event:')).length;
        if (events > 0) arrived();
      }
    } catch {
      // aborted by close(), or the app ended the stream at shutdown
    }
  })();
  const firstEvent = async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`BENCH_DASHBOARD: the stream sent no event within ${FIRST_EVENT_DEADLINE_MS / 1000} s`)), FIRST_EVENT_DEADLINE_MS);
    });
    try {
      await Promise.race([first, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  const close = async () => {
    try {
      await firstEvent();
    } finally {
      controller.abort();
    }
  };
  return { events: () => events, firstEvent, close };
}
