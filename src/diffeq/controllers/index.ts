/** Step-size controllers. */
export type { AdaptInput, AdaptOutput, StepSizeController } from './base.js';
export { ConstantStepSize, StepTo } from './constant.js';
export type { PIDOptions } from './pid.js';
export { initialStepSize, PIDController } from './pid.js';
