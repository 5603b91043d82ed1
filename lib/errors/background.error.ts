/**
 * Base class of every error this module throws, so `instanceof BackgroundError` catches them all.
 * @publicApi
 */
export class BackgroundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
