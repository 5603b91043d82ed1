import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

// Written for @nestjs/event-emitter with wildcard: true, as tutorials show it: one listener for a namespace, one for
// everything, one that answers emitAsync.
@Injectable()
export class AuditListener {
  readonly entries: string[] = [];

  @OnEvent('user.*')
  onUser(payload: { id: string }) {
    this.entries.push(`user event for ${payload.id}`);
  }

  @OnEvent('**')
  onAnything(payload: unknown) {
    this.entries.push(`any ${JSON.stringify(payload)}`);
  }

  @OnEvent('user.validate')
  validate(payload: { email: string }) {
    return payload.email.includes('@') ? 'ok' : 'invalid email';
  }
}
