import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

@Injectable()
export class UsersService {
  constructor(private readonly events: EventEmitter2) {}

  async register(id: string, email: string): Promise<string[]> {
    const verdicts: string[] = await this.events.emitAsync('user.validate', { email });
    if (!verdicts.includes('invalid email')) this.events.emit('user.created', { id });
    return verdicts;
  }
}
