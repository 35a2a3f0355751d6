/**
 * The safetensors dtype vocabulary and its mapping to {@link RawDType}.
 *
 * @module
 */

import type { RawDType } from './raw.js';

/** Safetensors dtype strings that nabla can read and write. */
export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/**
 * Every dtype of the reference implementation (`huggingface/safetensors`, `Dtype` enum), in the
 * enum's declaration order, which is increasing alignment. The reference writer sorts tensors by
 * this rank, descending, so that every tensor's data is aligned to its element size.
 */
const REFERENCE_ORDER: readonly string[] = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
];

const TO_RAW: Record<SafetensorsDtype, RawDType> = {
  BOOL: 'bool',
  U8: 'uint8',
  I8: 'int8',
  I16: 'int16',
  U16: 'uint16',
  F16: 'float16',
  BF16: 'bfloat16',
  I32: 'int32',
  U32: 'uint32',
  F32: 'float32',
  F64: 'float64',
  I64: 'int64',
  U64: 'uint64',
};

const FROM_RAW: Record<RawDType, SafetensorsDtype> = {
  bool: 'BOOL',
  uint8: 'U8',
  int8: 'I8',
  int16: 'I16',
  uint16: 'U16',
  float16: 'F16',
  bfloat16: 'BF16',
  int32: 'I32',
  uint32: 'U32',
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
  uint64: 'U64',
};

/** Returns true when `value` is a safetensors dtype string nabla supports. */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(TO_RAW, value);
}

/** Returns true when `value` is a dtype of the reference format, whether or not nabla supports it. */
export function isReferenceSafetensorsDtype(value: string): boolean {
  return REFERENCE_ORDER.includes(value);
}

/** The raw dtype holding a safetensors dtype's elements as stored (no conversion). */
export function safetensorsToRawDType(dtype: SafetensorsDtype): RawDType {
  return TO_RAW[dtype];
}

/** The safetensors dtype string written for a raw dtype. */
export function rawToSafetensorsDtype(dtype: RawDType): SafetensorsDtype {
  return FROM_RAW[dtype];
}

/** Alignment rank of a dtype in the reference implementation (higher is written first). */
export function safetensorsDtypeRank(dtype: SafetensorsDtype): number {
  return REFERENCE_ORDER.indexOf(dtype);
}

/** Comma-separated list of the supported dtype strings, for error messages. */
export const SUPPORTED_SAFETENSORS_DTYPES: string = Object.keys(TO_RAW).join(', ');
