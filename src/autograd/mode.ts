/** Global autograd switches: gradient recording and anomaly detection. */

let gradEnabled = true;
let anomalyEnabled = false;

/** Whether ops currently record the graph for backward. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Turns graph recording on or off; returns the previous value. */
export function setGradEnabled(enabled: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = enabled;
  return prev;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` without recording gradients (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Runs `fn` with recording set to `enabled`. */
export function withGrad<T>(enabled: boolean, fn: () => T): T {
  return withGradMode(enabled, fn);
}

/** Whether anomaly mode is on (every op checks its outputs for NaN/Inf). */
export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/**
 * Turns anomaly mode on or off. In anomaly mode the first op (forward or backward)
 * that produces a NaN or Inf throws an `AnomalyError` naming it. Slow: for debugging.
 */
export function setAnomalyEnabled(enabled: boolean): void {
  anomalyEnabled = enabled;
}

/** Runs `fn` in anomaly mode. */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = prev;
  }
}
