/**
 * Ready-made datasets: `FashionMNIST`, `MNIST`, `ImageFolder`.
 *
 * @module
 */

export { ImageFolder, type ImageFolderDatasetOptions } from './image-folder.js';
export {
  FashionMNIST,
  type FashionMNISTOptions,
  ImageClassificationDataset,
  type ImageClassificationOptions,
  MNIST,
  type MNISTOptions,
} from './mnist.js';
