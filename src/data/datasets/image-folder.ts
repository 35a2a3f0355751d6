/** `ImageFolder`: an image-classification dataset read from `root/<class>/<image>` files. */
import { existsSync, statSync } from 'node:fs';
import { Tensor } from '../../core/tensor.js';
import { checkIndex, type Dataset } from '../dataset.js';
import { DatasetNotFoundError } from '../formats/errors.js';
import { readImageFile, toCHWFloat32 } from '../formats/image.js';
import { type ImageFolderSample, listImageFolder } from '../formats/image-folder.js';
import { resize } from '../transforms/to-tensor.js';
import type { Transform } from '../transforms/types.js';

/** Options of `ImageFolder`. */
export interface ImageFolderDatasetOptions<X = Tensor> {
  /** Applied to each image tensor ([C,H,W] float32 in [0, 1], after resizing). */
  transform?: Transform<Tensor, X>;
  /** Applied to each label. */
  targetTransform?: (label: number) => number;
  /** Resize every image to exactly this size (a number means square), so that images can be batched. */
  size?: number | readonly [number, number];
  /**
   * Output channels: 1 (gray) or 3 (RGB). Default: 1 for gray images, 3 for colour ones;
   * set it when a folder mixes both.
   */
  channels?: 1 | 3;
  /** Accepted file extensions (default .png, .jpg, .jpeg). */
  extensions?: readonly string[];
}

/**
 * Images in `root/<class name>/**` (PNG or JPEG), labelled by their class directory, like
 * torchvision's `ImageFolder`: classes are the sorted subdirectory names. Sample `i` is
 * `[image [C,H,W] float32 in [0,1], classIndex]`; files are decoded when accessed.
 */
export class ImageFolder<X = Tensor> implements Dataset<[X, number]> {
  readonly root: string;
  readonly classes: readonly string[];
  /** Class name → index. */
  readonly classToIdx: Readonly<Record<string, number>>;
  readonly samples: readonly ImageFolderSample[];
  private readonly options: ImageFolderDatasetOptions<X>;
  private readonly resizeFn: Transform | undefined;

  constructor(root: string, options: ImageFolderDatasetOptions<X> = {}) {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new DatasetNotFoundError(
        'ImageFolder',
        [root],
        [
          `ImageFolder: directory '${root}' not found.`,
          "Create it with one subdirectory per class holding that class's images, e.g.",
          `  ${root}/cat/001.png`,
          `  ${root}/dog/001.jpg`,
          '(PNG and JPEG files are read; classes are the sorted subdirectory names).',
        ].join('\n'),
      );
    }
    const folder = listImageFolder(root, options.extensions ? { extensions: options.extensions } : {});
    this.root = root;
    this.classes = folder.classes;
    this.classToIdx = Object.fromEntries(folder.classes.map((c, i) => [c, i]));
    this.samples = folder.samples;
    this.options = options;
    this.resizeFn = options.size !== undefined ? resize(options.size) : undefined;
  }

  get length(): number {
    return this.samples.length;
  }

  /** All labels, in sample order. */
  get targets(): number[] {
    return this.samples.map((s) => s.classIndex);
  }

  /** Decodes image `index` into a [C,H,W] float32 tensor (resized if `size` was given), without the transform. */
  loadImage(index: number): Tensor {
    const s = this.samples[checkIndex(index, this.samples.length, 'ImageFolder.get')]!;
    const img = readImageFile(s.path);
    const data = toCHWFloat32(img, this.options.channels ? { channels: this.options.channels } : {});
    const c = data.length / (img.width * img.height);
    const t = Tensor._fromData(data, [c, img.height, img.width], 'float32');
    return this.resizeFn ? this.resizeFn(t) : t;
  }

  get(index: number): [X, number] {
    const img = this.loadImage(index);
    const label = this.samples[index < 0 ? index + this.samples.length : index]!.classIndex;
    const { transform, targetTransform } = this.options;
    return [transform ? transform(img) : (img as X), targetTransform ? targetTransform(label) : label];
  }
}
