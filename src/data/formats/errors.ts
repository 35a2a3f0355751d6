/**
 * Errors shared by the dataset loaders.
 *
 * @module
 */

/**
 * Thrown when a dataset's files (or the package that ships them) cannot be found. The message
 * lists every location searched and says exactly how to install the data.
 */
export class DatasetNotFoundError extends Error {
  override readonly name = 'DatasetNotFoundError';

  /**
   * @param dataset - Human-readable dataset name, e.g. `'Fashion-MNIST'`.
   * @param searched - Locations that were tried, in order.
   * @param message - Full explanation including installation instructions.
   */
  constructor(
    readonly dataset: string,
    readonly searched: readonly string[],
    message: string,
  ) {
    super(message);
  }
}
