export { neg, abs, sign, exp, log, log1p, sqrt, reciprocal, square, sigmoid, tanh, relu, erf, gelu, softplus, logSigmoid } from './unary';
export { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, sumToShape, scalarOp } from './binary';
export { sum, mean, max, min } from './reduce';
export { logSumExp, softmax, logSoftmax } from './softmax';
export { matmul, matmulTransposed } from './matmul';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, slice, pad, concat, stack, split, chunk, broadcastTo } from './shape';
export { indexSelect, where, clamp, type Indices } from './indexing';
export { copy, onesLike, zerosLike } from './like';
export type { TensorLike } from './record';
