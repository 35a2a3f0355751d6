/** The active backend's name, for the examples' logs. */
import { getBackend } from 'nabla';

export function backendName(): string {
  return getBackend().name;
}
