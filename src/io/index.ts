/**
 * `nabla/io`: tensors, state dicts and training checkpoints as safetensors files.
 *
 * @module
 */

export {
  type CheckpointContents,
  type CheckpointTargets,
  decodeCheckpoint,
  encodeCheckpoint,
  type JsonValue,
  type LoadedCheckpoint,
  loadCheckpoint,
  type Stateful,
  saveCheckpoint,
} from './checkpoint.js';
export { rawToTensor, tensorToRaw } from './convert.js';
export {
  type LoadStateDictOptions,
  loadStateDict,
  type StatefulModule,
  saveStateDict,
} from './state-dict.js';
export {
  decodeTensors,
  encodeTensors,
  loadTensors,
  loadTensorsWithMetadata,
  saveTensors,
  type TensorsWithMetadata,
} from './tensors.js';
