/** Terms: vector field × control. */
export type { AbstractTerm, HasParameters, Time, TimeFunction, VectorField } from './base.js';
export type { ControlTermOptions, NoiseType } from './control.js';
export { ControlTerm } from './control.js';
export { MultiTerm } from './multi.js';
export type { ODETermOptions } from './ode.js';
export { ODETerm } from './ode.js';
