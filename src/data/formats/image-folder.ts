/**
 * Enumerating a class-per-subdirectory image tree, like torchvision's `ImageFolder`.
 *
 * @module
 */

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One image file and its class. */
export interface ImageFolderSample {
  /** Path of the image (`root/<class>/.../<file>`). */
  path: string;
  /** Index into {@link ImageFolder.classes}. */
  classIndex: number;
}

/** The classes and samples found under an image-folder root. */
export interface ImageFolder {
  /** Class names: the sorted names of the root's subdirectories. */
  classes: string[];
  /** All image files, grouped by class in class order (see {@link listImageFolder}). */
  samples: ImageFolderSample[];
}

/** Options for {@link listImageFolder}. */
export interface ImageFolderOptions {
  /** Accepted file extensions, case-insensitive, with the dot (default `.png`, `.jpg`, `.jpeg`). */
  extensions?: readonly string[];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Collects `[directory, sorted file names]` for `dir` and all its subdirectories, following symlinks. */
function walk(dir: string, out: [string, string[]][], seen: Set<string>): void {
  const real = realpathSync(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const files: string[] = [];
  const dirs: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      continue; // dangling symlink
    }
    if (stats.isDirectory()) dirs.push(path);
    else files.push(name);
  }
  out.push([dir, files.sort(byCodeUnit)]);
  for (const sub of dirs) walk(sub, out, seen);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists an image-classification tree laid out as `root/<class name>/**\/<image>`, matching
 * torchvision's `ImageFolder`: classes are the root's subdirectories sorted by name (class index
 * = position); each class's files are found recursively (following symlinks) and ordered as
 * `sorted(os.walk(...))` does: by directory path, then by file name. Files at the root itself are
 * ignored, as are files whose extension is not accepted.
 *
 * @throws Error if `root` is missing or not a directory, has no class subdirectories, or some
 *   class has no image file with an accepted extension.
 */
export function listImageFolder(root: string, options: ImageFolderOptions = {}): ImageFolder {
  const extensions = (options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase());
  let rootStats: ReturnType<typeof statSync>;
  try {
    rootStats = statSync(root);
  } catch {
    throw new Error(`image folder '${root}' does not exist`);
  }
  if (!rootStats.isDirectory()) throw new Error(`image folder '${root}' is not a directory`);
  const classes = readdirSync(root)
    .filter((name) => isDirectory(join(root, name)))
    .sort(byCodeUnit);
  if (classes.length === 0) {
    throw new Error(
      `image folder '${root}' has no class subdirectories (expected root/<class name>/<images>)`,
    );
  }
  const samples: ImageFolderSample[] = [];
  const empty: string[] = [];
  classes.forEach((name, classIndex) => {
    const tree: [string, string[]][] = [];
    walk(join(root, name), tree, new Set());
    tree.sort((a, b) => byCodeUnit(a[0], b[0]));
    const before = samples.length;
    for (const [dir, files] of tree) {
      for (const file of files) {
        const lower = file.toLowerCase();
        if (extensions.some((ext) => lower.endsWith(ext)))
          samples.push({ path: join(dir, file), classIndex });
      }
    }
    if (samples.length === before) empty.push(name);
  });
  if (empty.length > 0) {
    throw new Error(
      `image folder '${root}': found no image file for class${empty.length > 1 ? 'es' : ''} ${empty.join(', ')} (accepted extensions: ${extensions.join(', ')})`,
    );
  }
  return { classes, samples };
}
