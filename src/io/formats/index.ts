/**
 * File formats at the raw-array level (no tensor dependency): safetensors, half-precision
 * conversions and crash-safe writes.
 *
 * @module
 */

export { atomicWriteFileSync } from './atomic.js';
export {
  bfloat16BitsToNumber,
  bfloat16ToFloat32Array,
  float16BitsToNumber,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from './half.js';
export {
  assertRawArray,
  isRawDType,
  RAW_DTYPES,
  type RawArray,
  type RawArrayOf,
  type RawData,
  type RawDataByDType,
  type RawDType,
  rawDataClassName,
  rawItemSize,
  shapeSize,
} from './raw.js';
export {
  type DecodeSafetensorsOptions,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensorsFile,
  MAX_SAFETENSORS_HEADER_BYTES,
  parseSafetensorsHeader,
  type SafetensorsContents,
  type SafetensorsDtype,
  SafetensorsError,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  saveSafetensorsFile,
} from './safetensors.js';
