/** The pure-TypeScript backend: always available, and the reference for every other backend. */
import type { Backend } from '../backend.js';
import { col2im, im2col } from './conv.js';
import { assign, binary, copyStrided, unary, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { argReduce, cumulative, reduce } from './reduce.js';

/** The TypeScript backend's kernel set. */
export const jsBackend: Backend = {
  name: 'js',
  copyStrided,
  assign,
  unary,
  binary,
  where,
  reduce,
  argReduce,
  cumulative,
  matmul,
  im2col,
  col2im,
};
