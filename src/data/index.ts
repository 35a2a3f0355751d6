/**
 * `nabla/data`: datasets, the `DataLoader`, collation and transforms
 * (PyTorch's `torch.utils.data` and torchvision's datasets/transforms).
 *
 * @module
 */

export { type CollatableArray, type Collated, defaultCollate, stackTensors } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export {
  ConcatDataset,
  type Dataset,
  type IterableDataset,
  isMapDataset,
  type RandomSplitOptions,
  randomSplit,
  Subset,
  TensorDataset,
} from './dataset.js';
export * from './datasets/index.js';
export { DatasetNotFoundError } from './formats/errors.js';
export { FASHION_MNIST_CLASSES } from './formats/fashion-mnist.js';
export type { DecodedImage } from './formats/image.js';
export * as transforms from './transforms/index.js';
export * from './transforms/index.js';
