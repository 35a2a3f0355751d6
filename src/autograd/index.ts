/** Autograd: recording modes, backward, functional transforms, custom functions, gradcheck. */

export type { GradOptions } from './backward.js';
export { backward, grad as autogradGrad } from './backward.js';
export type { CustomForwardResult, CustomFunctionSpec } from './function.js';
export { customFunction } from './function.js';
export type { GradTransformOptions } from './functional.js';
export { grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp } from './functional.js';
export type { GradcheckOptions } from './gradcheck.js';
export { GradcheckError, gradcheck, gradgradcheck } from './gradcheck.js';
export {
  detectAnomaly,
  enableGrad,
  isAnomalyEnabled,
  isGradEnabled,
  noGrad,
  setAnomalyEnabled,
  setGradEnabled,
  withGrad,
} from './mode.js';
