/**
 * nabla/resnet-ode — residual networks as discretised neural ODEs, and their implicit
 * regularisation under gradient flow (Marion, Wu, Sander & Biau, ICLR 2024). See docs/resnet-ode.md.
 */
export * from './config.js';
export * from './conv-net.js';
export * from './diagnostics.js';
export * from './flow.js';
export * from './kernel.js';
export * from './model.js';
export * from './ode-limit.js';
export * from './relu-counterexample.js';
export * from './train.js';
export * from './weights.js';
