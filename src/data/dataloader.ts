/**
 * `DataLoader`: batches (and optionally shuffles) a dataset, like `torch.utils.data.DataLoader`.
 *
 * Shuffling is reproducible: with a `key`, epoch `e` uses the permutation of
 * `foldIn(key, e)` (same key → same sequence of orders, a new order every epoch);
 * without one it draws from the global generator (so `manualSeed` / `setRngState`
 * reproduce it).
 */
import { ArgumentError } from '../core/errors.js';
import { foldIn, type PRNGKey } from '../random/key.js';
import { permutation } from '../random/sample.js';
import { type Collated, defaultCollate } from './collate.js';
import { type Dataset, type IterableDataset, isMapDataset, toKey } from './dataset.js';

/** Options of `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples every epoch (default false; map-style datasets only). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Merges a list of samples into a batch (default `defaultCollate`). */
  collate?: (samples: T[]) => B;
  /** Key (or seed) for shuffling; epoch `e` uses `foldIn(key, e)`. */
  key?: PRNGKey | number;
}

/**
 * Iterates over batches of a dataset. Map-style datasets are iterated with `for … of`
 * (or `for await`); iterable datasets with `for await … of`. Each iteration is one epoch.
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<T> | IterableDataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly key: PRNGKey | undefined;
  private readonly collateFn: (samples: T[]) => B;
  private readonly customCollate: boolean;
  /** Index of the next epoch to iterate (incremented when an iteration starts; see `setEpoch`). */
  epoch = 0;

  constructor(dataset: Dataset<T> | IterableDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ArgumentError(`DataLoader: batchSize must be a positive integer (got ${batchSize})`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.key = toKey(options.key);
    this.customCollate = options.collate !== undefined;
    this.collateFn = options.collate ?? ((s: T[]) => defaultCollate(s) as B);
    if (this.shuffle && !isMapDataset(dataset)) {
      throw new ArgumentError(
        'DataLoader: shuffle is not supported for iterable datasets (shuffle the stream itself)',
      );
    }
  }

  /** Sets the index of the next epoch (e.g. when resuming), which selects its shuffle order. */
  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = (this.dataset as { length?: unknown }).length;
    if (typeof n !== 'number') throw new ArgumentError('DataLoader: the iterable dataset has no length');
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The order in which epoch `epoch` visits the samples (a map-style dataset is required).
   * Without a key, shuffled orders come from the global generator (each call draws anew).
   */
  sampleOrder(epoch = this.epoch): Int32Array {
    const ds = this.mapDataset('sampleOrder');
    const n = ds.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    const key = this.key ? foldIn(this.key, epoch) : undefined;
    return permutation(n, key ? { key } : {})._contiguousData() as Int32Array;
  }

  private mapDataset(op: string): Dataset<T> {
    if (!isMapDataset(this.dataset)) {
      throw new ArgumentError(`DataLoader.${op}: needs a map-style dataset (length + get)`);
    }
    return this.dataset;
  }

  /** Iterates one epoch of a map-style (or synchronous iterable) dataset. */
  *[Symbol.iterator](): Generator<B, void, undefined> {
    if (!isMapDataset(this.dataset)) {
      if (!(Symbol.iterator in (this.dataset as object))) {
        throw new ArgumentError('DataLoader: this dataset is asynchronous; iterate with `for await`');
      }
      this.epoch++;
      yield* this.batchStream(this.dataset as Iterable<T>);
      return;
    }
    const ds = this.dataset;
    const order = this.sampleOrder(this.epoch);
    this.epoch++;
    const n = order.length;
    const bs = this.batchSize;
    const fast = !this.customCollate && typeof ds.getBatch === 'function';
    for (let start = 0; start < n; start += bs) {
      const end = Math.min(start + bs, n);
      if (end - start < bs && this.dropLast) break;
      const idx = order.subarray(start, end);
      if (fast) {
        yield ds.getBatch!(idx) as B;
      } else {
        const samples: T[] = new Array(idx.length);
        for (let k = 0; k < idx.length; k++) samples[k] = ds.get(idx[k]!);
        yield this.collateFn(samples);
      }
    }
  }

  private *batchStream(source: Iterable<T>): Generator<B> {
    let buf: T[] = [];
    for (const s of source) {
      buf.push(s);
      if (buf.length === this.batchSize) {
        yield this.collateFn(buf);
        buf = [];
      }
    }
    if (buf.length > 0 && !this.dropLast) yield this.collateFn(buf);
  }

  /** Iterates one epoch asynchronously (any dataset). */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    if (isMapDataset(this.dataset) || !(Symbol.asyncIterator in (this.dataset as object))) {
      yield* this[Symbol.iterator]();
      return;
    }
    this.epoch++;
    let buf: T[] = [];
    for await (const s of this.dataset as AsyncIterable<T>) {
      buf.push(s);
      if (buf.length === this.batchSize) {
        yield this.collateFn(buf);
        buf = [];
      }
    }
    if (buf.length > 0 && !this.dropLast) yield this.collateFn(buf);
  }
}
