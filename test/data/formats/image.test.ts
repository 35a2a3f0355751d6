import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DecodedImage,
  decodeImage,
  jpegComponentCount,
  listImageFolder,
  readImageFile,
  toCHWFloat32,
} from '../../../src/data/formats/image.js';

const tmp = mkdtempSync(join(tmpdir(), 'nabla-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 2×2 RGBA test pattern: red, green / blue, white with alpha 0, 85, 170, 255. */
const RGBA = [255, 0, 0, 0, 0, 255, 0, 85, 0, 0, 255, 170, 255, 255, 255, 255];
/** Opaque version of RGBA (pngjs composites alpha over white when writing RGB or gray). */
const OPAQUE = RGBA.map((v, i) => (i % 4 === 3 ? 255 : v));
/** 2×2 gray pattern (as RGBA with r = g = b) with alpha 10, 20, 30, 40. */
const GRAY = [0, 0, 0, 10, 100, 100, 100, 20, 200, 200, 200, 30, 255, 255, 255, 40];
const GRAY_OPAQUE = GRAY.map((v, i) => (i % 4 === 3 ? 255 : v));

function png(rgba: number[], colorType: 0 | 2 | 4 | 6): Buffer {
  const image = new pngjs.PNG({ width: 2, height: 2 });
  image.data = Buffer.from(rgba);
  return pngjs.PNG.sync.write(image, { colorType });
}

/** A hand-assembled 8×8 baseline grayscale JPEG (one component, flat mid-gray block). */
function grayJpeg(): Uint8Array {
  const dht = (tc: number) => [0xff, 0xc4, 0, 20, tc, 1, ...new Array(15).fill(0), 0];
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xdb,
    0,
    67,
    0,
    ...new Array(64).fill(1),
    0xff,
    0xc0,
    0,
    11,
    8,
    0,
    8,
    0,
    8,
    1,
    1,
    0x11,
    0,
    ...dht(0x00),
    ...dht(0x10),
    0xff,
    0xda,
    0,
    8,
    1,
    1,
    0x00,
    0,
    63,
    0,
    0x3f,
    0xff,
    0xd9,
  ]);
}

describe('decodeImage (PNG)', () => {
  it('keeps RGBA', () => {
    const img = decodeImage(png(RGBA, 6));
    expect(img).toMatchObject({ width: 2, height: 2, channels: 4 });
    expect(Array.from(img.data)).toEqual(RGBA);
  });

  it('decodes RGB as 3 channels', () => {
    const img = decodeImage(png(OPAQUE, 2));
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  });

  it('decodes grayscale as 1 channel and gray+alpha as 2', () => {
    const gray = decodeImage(png(GRAY_OPAQUE, 0));
    expect(gray.channels).toBe(1);
    expect(Array.from(gray.data)).toEqual([0, 100, 200, 255]);
    const ga = decodeImage(png(GRAY, 4));
    expect(ga.channels).toBe(2);
    expect(Array.from(ga.data)).toEqual([0, 10, 100, 20, 200, 30, 255, 40]);
  });

  it('names the source on corrupt data', () => {
    const bytes = png(RGBA, 6);
    bytes[bytes.length - 20] ^= 0xff;
    expect(() => decodeImage(bytes, 'broken.png')).toThrow(/image 'broken.png': invalid PNG/);
    expect(() => decodeImage(new Uint8Array([1, 2, 3]), 'x.bin')).toThrow(/image 'x.bin': not a PNG or JPEG/);
  });
});

describe('decodeImage (JPEG)', () => {
  it('decodes color JPEGs as RGB', () => {
    const data = Buffer.alloc(16 * 16 * 4);
    for (let p = 0; p < 256; p++) data.set([200, 40, 90, 255], p * 4);
    const bytes = jpeg.encode({ width: 16, height: 16, data }, 100).data;
    expect(jpegComponentCount(bytes)).toBe(3);
    const img = decodeImage(bytes);
    expect(img).toMatchObject({ width: 16, height: 16, channels: 3 });
    expect(img.data.length).toBe(16 * 16 * 3);
    for (let i = 0; i < img.data.length; i += 3) {
      expect(Math.abs(img.data[i] - 200)).toBeLessThanOrEqual(3);
      expect(Math.abs(img.data[i + 1] - 40)).toBeLessThanOrEqual(3);
      expect(Math.abs(img.data[i + 2] - 90)).toBeLessThanOrEqual(3);
    }
  });

  it('decodes grayscale JPEGs as 1 channel', () => {
    const bytes = grayJpeg();
    expect(jpegComponentCount(bytes)).toBe(1);
    const img = decodeImage(bytes);
    expect(img).toMatchObject({ width: 8, height: 8, channels: 1 });
    expect(Array.from(img.data)).toEqual(new Array(64).fill(128));
  });

  it('names the source on corrupt data', () => {
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 2]), 'bad.jpg')).toThrow(
      /image 'bad.jpg': invalid JPEG/,
    );
  });
});

describe('toCHWFloat32', () => {
  const rgb: DecodedImage = {
    width: 2,
    height: 1,
    channels: 3,
    data: new Uint8Array([255, 0, 51, 10, 20, 30]),
  };

  it('produces planar RGB in [0, 1]', () => {
    expect(Array.from(toCHWFloat32(rgb, { channels: 3 }))).toEqual(
      [1, 10 / 255, 0, 20 / 255, 0.2, 30 / 255].map(Math.fround),
    );
  });

  it('computes PIL-style luma for RGB → gray and replicates gray → RGB', () => {
    const gray = toCHWFloat32(rgb, { channels: 1 });
    expect(gray[0]).toBeCloseTo((0.299 * 255 + 0.114 * 51) / 255, 2);
    expect(gray[1] * 255).toBeCloseTo(18, 5); // PIL: L = 18 for (10, 20, 30)
    const g: DecodedImage = { width: 1, height: 2, channels: 1, data: new Uint8Array([0, 255]) };
    expect(Array.from(toCHWFloat32(g, { channels: 3 }))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(Array.from(toCHWFloat32(g))).toEqual([0, 1]);
  });

  it('drops alpha', () => {
    const rgba = decodeImage(png(RGBA, 6));
    expect(Array.from(toCHWFloat32(rgba))).toEqual([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
    const ga = decodeImage(png(GRAY, 4));
    expect(Array.from(toCHWFloat32(ga)).map((v) => Math.round(v * 255))).toEqual([0, 100, 200, 255]);
  });
});

describe('readImageFile and listImageFolder', () => {
  const root = join(tmp, 'folder');
  const write = (path: string, bytes: Uint8Array) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), bytes);
  };
  const p = png(RGBA, 6);
  write('cat/b.png', p);
  write('cat/B.png', p);
  write('cat/a.JPG', jpeg.encode({ width: 8, height: 8, data: Buffer.alloc(256, 128) }, 90).data);
  write('cat/notes.txt', new Uint8Array([1]));
  write('cat/sub/c.png', p);
  write('cat/sub-2/d.png', p);
  write('cat/sub/x/e.png', p);
  write('Zebra/z.jpeg', grayJpeg());
  write('readme.png', p);

  it('reads image files', () => {
    expect(readImageFile(join(root, 'cat', 'b.png')).channels).toBe(4);
    expect(readImageFile(join(root, 'Zebra', 'z.jpeg')).channels).toBe(1);
  });

  it('lists classes and samples in torchvision ImageFolder order', () => {
    const folder = listImageFolder(root);
    expect(folder.classes).toEqual(['Zebra', 'cat']);
    expect(folder.samples).toEqual([
      { path: join(root, 'Zebra', 'z.jpeg'), classIndex: 0 },
      { path: join(root, 'cat', 'B.png'), classIndex: 1 },
      { path: join(root, 'cat', 'a.JPG'), classIndex: 1 },
      { path: join(root, 'cat', 'b.png'), classIndex: 1 },
      { path: join(root, 'cat', 'sub', 'c.png'), classIndex: 1 },
      { path: join(root, 'cat', 'sub-2', 'd.png'), classIndex: 1 },
      { path: join(root, 'cat', 'sub', 'x', 'e.png'), classIndex: 1 },
    ]);
    expect(() => listImageFolder(root, { extensions: ['.txt'] })).toThrow(/no image file for class Zebra/);
  });

  it('follows symlinked class directories without looping', () => {
    const linked = join(tmp, 'linked');
    mkdirSync(join(linked, 'real'), { recursive: true });
    writeFileSync(join(linked, 'real', 'a.png'), p);
    symlinkSync(join(linked, 'real'), join(linked, 'alias'));
    symlinkSync(join(linked, 'real'), join(linked, 'real', 'loop'));
    const folder = listImageFolder(linked);
    expect(folder.classes).toEqual(['alias', 'real']);
    expect(folder.samples.map((s) => s.classIndex)).toEqual([0, 1]);
  });

  it('errors clearly on missing, empty or file roots and empty classes', () => {
    expect(() => listImageFolder(join(tmp, 'missing'))).toThrow(/image folder '.*missing' does not exist/);
    expect(() => listImageFolder(join(root, 'readme.png'))).toThrow(/is not a directory/);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect(() => listImageFolder(empty)).toThrow(/has no class subdirectories/);
    mkdirSync(join(empty, 'dog'));
    mkdirSync(join(empty, 'owl'));
    writeFileSync(join(empty, 'owl', 'o.png'), p);
    expect(() => listImageFolder(empty)).toThrow(
      /found no image file for class dog \(accepted extensions: \.png, \.jpg, \.jpeg\)/,
    );
  });
});
