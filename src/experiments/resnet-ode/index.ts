/** The resnet-ode experiments 1–6 (experiment 7, `resnet-ode-images`, is registered from images.ts). */
import type { Experiment } from '../../experiment/types.js';
import { resnetOdeControls } from './controls.js';
import { resnetOdeDepth } from './depth.js';
import { resnetOdeEulerConsistency } from './euler-consistency.js';
import { resnetOdeImages } from './images.js';
import { resnetOdeLimit } from './limit.js';
import { resnetOdeLong } from './long.js';
import { resnetOdeReluCounterexample } from './relu-counterexample.js';

export {
  resnetOdeControls,
  resnetOdeDepth,
  resnetOdeEulerConsistency,
  resnetOdeImages,
  resnetOdeLimit,
  resnetOdeLong,
  resnetOdeReluCounterexample,
};

/** In the order of the issue: depth, limit, long, ReLU counterexample, controls, Euler consistency, images. */
export const resnetOdeExperiments: readonly Experiment[] = [
  resnetOdeDepth,
  resnetOdeLimit,
  resnetOdeLong,
  resnetOdeReluCounterexample,
  resnetOdeControls,
  resnetOdeEulerConsistency,
  resnetOdeImages,
];
