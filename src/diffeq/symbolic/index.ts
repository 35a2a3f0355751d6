/** Symbolic regression by regularised evolution (Kidger's thesis §6.1). */

export { optimiseConstants } from './constants.js';
export type {
  ExpressionCandidate,
  SymbolicModelSelection,
  SymbolicRegressionOptions,
  SymbolicRegressionResult,
} from './evolve.js';
export { exprNormalisedLoss, symbolicRegression } from './evolve.js';
export type { BinaryOp, Expr } from './expr.js';
export {
  evalExpr,
  evalExprColumns,
  exprBinary,
  exprComplexity,
  exprConstant,
  exprConstants,
  exprConstantsTensor,
  exprToString,
  exprToTensorFn,
  exprVariable,
  PROTECTED_DIVISION_EPS,
} from './expr.js';
export type { SymbolicFieldResult } from './field.js';
export { exprString, quantiseExpr, symbolicField, symbolicVectorField } from './field.js';
export type { ExprPolynomial } from './simplify.js';
export { expressionString, exprToPolynomial, polynomialToString, simplifyExpr } from './simplify.js';
