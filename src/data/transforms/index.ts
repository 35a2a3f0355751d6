/**
 * Data transforms for single samples and batches: `compose`, `toTensor`, `normalize`,
 * `resize`, `centerCrop`, `randomCrop`, `randomHorizontalFlip`.
 *
 * @module
 */

export { compose } from './compose.js';
export { normalize } from './normalize.js';
export { type RandomCropOptions, randomCrop, randomHorizontalFlip } from './random.js';
export { centerCrop, type ImageInput, type RawImage, resize, toTensor } from './to-tensor.js';
export type { RandomTransformOptions, Transform } from './types.js';
