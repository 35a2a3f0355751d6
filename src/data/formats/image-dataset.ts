/**
 * The raw in-memory layout shared by the MNIST-style dataset loaders.
 *
 * @module
 */

/** Which half of a dataset to load. */
export type DatasetSplit = 'train' | 'test';

/** A labelled set of single-channel images, stored as raw bytes. */
export interface RawImageDataset {
  /** `n × rows × cols` pixel intensities 0..255, row-major (image, row, column). */
  images: Uint8Array;
  /** `n` class indices. */
  labels: Uint8Array;
  /** Number of examples. */
  n: number;
  /** Image height in pixels. */
  rows: number;
  /** Image width in pixels. */
  cols: number;
}
