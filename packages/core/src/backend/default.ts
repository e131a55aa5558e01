import { BackendError } from '../errors';
import { BACKEND_SPECIFICATION_VERSION, type Backend } from './backend';

let defaultBackend: Backend | null = null;

/** Checks that a backend speaks this core's contract version; throws a {@link BackendError} otherwise. */
export function assertBackend(backend: Backend): void {
  if (backend === null || typeof backend !== 'object' || typeof backend.upload !== 'function') {
    throw new BackendError(`expected a Backend object (e.g. new CpuBackend()), got ${String(backend)}`);
  }
  if (backend.specificationVersion !== BACKEND_SPECIFICATION_VERSION) {
    throw new BackendError(
      `backend '${backend.name}' implements specification ${String(backend.specificationVersion)}, but this @gated/core needs ${BACKEND_SPECIFICATION_VERSION}`,
    );
  }
}

/**
 * Makes `backend` the one that tensor creation uses when no `backend` option is given.
 * Nothing is registered by importing a package: call this once at start-up.
 *
 * @example
 * ```ts
 * import { setBackend, tensor } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * setBackend(new CpuBackend());
 * const x = tensor([1, 2, 3]);
 * ```
 */
export function setBackend(backend: Backend): void {
  assertBackend(backend);
  defaultBackend = backend;
}

/** The default backend; throws a {@link BackendError} that says how to set one if none is. */
export function getBackend(): Backend {
  if (defaultBackend === null) {
    throw new BackendError(
      'no backend is set: create one and pass it in ({ backend }) or make it the default, e.g. setBackend(new CpuBackend()) from @gated/backend-cpu',
    );
  }
  return defaultBackend;
}

/** The backend to use for a creation call: the given one (checked) or the default. */
export function resolveBackend(backend: Backend | undefined): Backend {
  if (backend === undefined) return getBackend();
  assertBackend(backend);
  return backend;
}
