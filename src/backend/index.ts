/** Backend registry: which kernel set the ops use. */
import { ArgumentError } from '../core/errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

export type {
  Backend,
  BinaryOp,
  Conv2dGeometry,
  MatmulArgs,
  ReduceOp,
  StridedArray,
  UnaryOp,
} from './backend.js';
export { jsBackend } from './js/index.js';

const registry = new Map<string, Backend>([['js', jsBackend]]);
let current: Backend = jsBackend;

/** The backend the ops currently dispatch to. */
export function getBackend(): Backend {
  return current;
}

/** Registers a backend under its name (does not activate it). */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

/** Activates a registered backend by name. */
export function setBackend(name: string): void {
  const b = registry.get(name);
  if (!b) {
    throw new ArgumentError(
      `setBackend: unknown backend '${name}' (registered: ${[...registry.keys()].join(', ')})`,
    );
  }
  current = b;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...registry.keys()];
}
