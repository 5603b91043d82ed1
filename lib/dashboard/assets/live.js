// One server-sent-events stream per page. It is closed while the tab is hidden (a hidden tab
// costs the server nothing) and opened again when it shows; when the stream fails the page polls
// the JSON API instead, and tries the stream again with a growing delay.
import { base } from './api.js';

const POLL_MS = 2000;
const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

export class LiveFeed {
  /**
   * `onEvent(name, data)` gets each event of the stream; `poll()` refreshes the page from the API
   * while there is no stream. `query` goes to the stream's URL (e.g. `{ queue }`).
   */
  constructor({ query = {}, events = ['overview'], onEvent, poll, status }) {
    const search = new URLSearchParams(query).toString();
    this.url = `${base}/api/stream${search ? `?${search}` : ''}`;
    Object.assign(this, { events, onEvent, poll, status, failures: 0 });
    document.addEventListener('visibilitychange', () => (document.hidden ? this.stop('paused') : this.start()));
    window.addEventListener('pagehide', () => this.stop('paused'));
    // back from the back-forward cache: the page is live again
    window.addEventListener('pageshow', (event) => event.persisted && !document.hidden && this.start());
    if (!document.hidden) this.start();
    else this.stop('paused');
  }

  start() {
    if (this.source) return;
    clearTimeout(this.retry);
    const source = (this.source = new EventSource(this.url));
    for (const name of this.events) {
      source.addEventListener(name, (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        this.onEvent(name, data);
      });
    }
    source.addEventListener('open', () => {
      this.failures = 0;
      this.stopPolling();
      this.show('live');
    });
    // a refused or broken stream: poll meanwhile, then try again (EventSource alone gives up on a 401 or 500)
    source.addEventListener('error', () => {
      if (this.source !== source) return;
      source.close();
      this.source = undefined;
      this.startPolling();
      const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)];
      this.retry = setTimeout(() => !document.hidden && this.start(), delay);
    });
  }

  /** Closes the stream and stops polling (the tab is hidden, or the page is leaving). */
  stop(state) {
    clearTimeout(this.retry);
    this.stopPolling();
    this.source?.close();
    this.source = undefined;
    this.show(state);
  }

  startPolling() {
    this.show('polling');
    if (this.timer) return;
    const tick = async () => {
      await this.poll().catch(() => undefined);
      if (this.timer) this.timer = setTimeout(tick, POLL_MS);
    };
    this.timer = setTimeout(tick, 0);
  }

  stopPolling() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  show(state) {
    this.state = state;
    const element = document.getElementById('live');
    if (!element) return;
    element.textContent = state;
    element.dataset.state = state;
    this.status?.(state);
  }
}
