/**
 * Decoding PNG (via `pngjs`) and JPEG (via `jpeg-js`) files into raw interleaved pixels, and
 * converting them to planar float32 for models.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

export {
  type ImageFolder,
  type ImageFolderOptions,
  type ImageFolderSample,
  listImageFolder,
} from './image-folder.js';

/** An 8-bit image with interleaved channels. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA. */
  channels: 1 | 2 | 3 | 4;
  /** `height × width × channels` bytes in HWC order (row, column, channel). */
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Returns true when `bytes` starts with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Returns true when `bytes` starts with a JPEG start-of-image marker (FF D8 FF). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * Decodes a PNG. Channels follow the file's color type: gray → 1, gray+alpha → 2, RGB → 3,
 * RGBA → 4; palette images become RGB (RGBA if they have transparency). 16-bit samples are
 * scaled to 8 bits and low bit depths expanded.
 *
 * @param source - Name used in error messages.
 * @throws Error naming `source` if the data is not a valid PNG.
 */
export function decodePng(bytes: Uint8Array, source = '<buffer>'): DecodedImage {
  let png: ReturnType<typeof pngjs.PNG.sync.read>;
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new Error(`image '${source}': invalid PNG (${(err as Error).message})`);
  }
  const { width, height } = png;
  const channels = ((png.color ? 3 : 1) + (png.alpha ? 1 : 0)) as DecodedImage['channels'];
  const rgba = png.data;
  if (channels === 4)
    return { width, height, channels, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length) };
  const pick = channels === 1 ? [0] : channels === 2 ? [0, 3] : [0, 1, 2];
  const data = new Uint8Array(width * height * channels);
  for (let p = 0, o = 0; p < width * height; p++) {
    for (const c of pick) data[o++] = rgba[p * 4 + c];
  }
  return { width, height, channels, data };
}

/**
 * Number of color components declared in a JPEG's start-of-frame segment (1 for grayscale,
 * 3 for YCbCr/RGB, 4 for CMYK/YCCK), or `undefined` if no frame header precedes the scan.
 */
export function jpegComponentCount(bytes: Uint8Array): number | undefined {
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return i + 9 < bytes.length ? bytes[i + 9] : undefined;
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return undefined;
}

/**
 * Decodes a baseline or progressive JPEG: grayscale files give 1 channel, everything else
 * (YCbCr, RGB, CMYK) 3 RGB channels.
 *
 * @param source - Name used in error messages.
 * @throws Error naming `source` if the data is not a decodable JPEG.
 */
export function decodeJpeg(bytes: Uint8Array, source = '<buffer>'): DecodedImage {
  let rgb: { width: number; height: number; data: Uint8Array };
  try {
    rgb = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (err) {
    throw new Error(`image '${source}': invalid JPEG (${(err as Error).message})`);
  }
  const { width, height } = rgb;
  if (jpegComponentCount(bytes) !== 1) return { width, height, channels: 3, data: rgb.data };
  const data = new Uint8Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = rgb.data[p * 3];
  return { width, height, channels: 1, data };
}

/**
 * Decodes PNG or JPEG bytes, choosing the decoder from the file signature.
 *
 * @throws Error naming `source` for unrecognised or corrupt data.
 */
export function decodeImage(bytes: Uint8Array, source = '<buffer>'): DecodedImage {
  if (isPng(bytes)) return decodePng(bytes, source);
  if (isJpeg(bytes)) return decodeJpeg(bytes, source);
  throw new Error(`image '${source}': not a PNG or JPEG file (unrecognised signature)`);
}

/** Reads and decodes a PNG or JPEG file (format detected from the content). */
export function readImageFile(path: string): DecodedImage {
  return decodeImage(readFileSync(path), path);
}

/** Options for {@link toCHWFloat32}. */
export interface ToCHWOptions {
  /** Output channels: 1 (luminance) or 3 (RGB). Defaults to 1 for gray(+alpha) input, 3 otherwise. */
  channels?: 1 | 3;
}

/**
 * Converts an image to planar `channels × height × width` float32 in [0, 1] (value / 255).
 *
 * Alpha is dropped (not composited), like PIL's `convert('RGB')`. Gray becomes RGB by
 * replication; RGB becomes gray with PIL's ITU-R 601-2 luma
 * `L = (19595 R + 38470 G + 7471 B + 32768) >> 16`, i.e. the same bytes as `convert('L')`.
 */
export function toCHWFloat32(img: DecodedImage, options: ToCHWOptions = {}): Float32Array {
  const { width, height, channels: src, data } = img;
  const out = options.channels ?? (src <= 2 ? 1 : 3);
  const plane = width * height;
  const result = new Float32Array(out * plane);
  for (let p = 0; p < plane; p++) {
    const i = p * src;
    if (src <= 2) {
      const v = data[i] / 255;
      for (let c = 0; c < out; c++) result[c * plane + p] = v;
    } else if (out === 3) {
      result[p] = data[i] / 255;
      result[plane + p] = data[i + 1] / 255;
      result[2 * plane + p] = data[i + 2] / 255;
    } else {
      result[p] = ((19595 * data[i] + 38470 * data[i + 1] + 7471 * data[i + 2] + 32768) >>> 16) / 255;
    }
  }
  return result;
}
