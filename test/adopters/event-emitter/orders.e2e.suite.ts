import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from './src/app.module.js';
import { OrderCreatedListener } from './src/orders/listeners/order-created.listener.js';

// The adopter's e2e test (POST /orders creates an order; the listener receives the event), over real HTTP (fetch
// instead of supertest, which this repository does not install). The spec files choose the engine through the
// environment the app's module reads.

/** Polls `check` until it passes, for what a worker does after the HTTP response (a durable emit). */
async function eventually(check: () => void, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('EventEmitter Orders (e2e)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/orders`;
  });
  afterAll(async () => app?.close());

  const post = (body: object) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('/orders (POST) should create an order', async () => {
    const res = await post({ name: 'Order #3', description: 'New test order' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id?: number; name: string; description: string };
    expect(body.id).toBeDefined();
    expect(body.name).toBe('Order #3');
    expect(body.description).toBe('New test order');
  });

  it('/orders (POST) should trigger event listener (once its job has run: emit() is durable)', async () => {
    const listener = app.get(OrderCreatedListener);
    const spy = jest.spyOn(listener, 'handleOrderCreatedEvent');
    try {
      const res = await post({ name: 'Order #4', description: 'Event test order' });
      expect(res.status).toBe(201);
      await eventually(() =>
        expect(spy).toHaveBeenCalledWith(expect.objectContaining({ name: 'Order #4', description: 'Event test order' })),
      );
    } finally {
      spy.mockRestore();
    }
  });
});
