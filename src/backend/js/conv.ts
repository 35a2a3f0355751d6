/** im2col / col2im for 2-D convolutions (NCHW), the TypeScript backend's versions. */
import type { DataArray } from '../../core/dtype.js';
import type { Conv2dGeometry } from '../backend.js';

/** Unfolds image [C,H,W] at `xOffset` into columns [C·kh·kw, outH·outW]. */
export function im2col(x: DataArray, xOffset: number, g: Conv2dGeometry, out: DataArray): void {
  const {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    outH,
    outW,
  } = g;
  const cols = outH * outW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const cBase = xOffset + c * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++, row++) {
        const rBase = row * cols;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilationH;
          const o = rBase + oh * outW;
          if (ih < 0 || ih >= height) {
            for (let ow = 0; ow < outW; ow++) out[o + ow] = 0;
            continue;
          }
          const hBase = cBase + ih * width;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * strideW - padW + kj * dilationW;
            out[o + ow] = iw >= 0 && iw < width ? x[hBase + iw]! : 0;
          }
        }
      }
    }
  }
}

/** Accumulates columns [C·kh·kw, outH·outW] back into image [C,H,W] at `outOffset`. */
export function col2im(colsData: DataArray, g: Conv2dGeometry, out: DataArray, outOffset: number): void {
  const {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    outH,
    outW,
  } = g;
  const cols = outH * outW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const cBase = outOffset + c * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++, row++) {
        const rBase = row * cols;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilationH;
          if (ih < 0 || ih >= height) continue;
          const hBase = cBase + ih * width;
          const o = rBase + oh * outW;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * strideW - padW + kj * dilationW;
            if (iw >= 0 && iw < width) out[hBase + iw]! += colsData[o + ow]!;
          }
        }
      }
    }
  }
}
