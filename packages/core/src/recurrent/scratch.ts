import type { Backend } from '../backend/backend';

/** @internal The intermediate storages of a composed step: kept as they are made, freed together. */
export class Scratch {
  private readonly items: unknown[] = [];
  constructor(private readonly backend: Backend) {}

  /** Remembers `storage` for {@link Scratch.free} and returns it. */
  keep<S>(storage: S): S {
    this.items.push(storage);
    return storage;
  }

  /** Frees every kept storage (once). */
  free(): void {
    for (const s of this.items) this.backend.dispose(s);
    this.items.length = 0;
  }
}
