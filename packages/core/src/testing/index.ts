/**
 * `@gated/core/testing`: the backend conformance suite, `gradcheck`, a float64 reference array and
 * named tolerances, a counter of rejected bad inputs for property tests, and the readers and
 * checkers of the PyTorch fixture files. Every backend runs the whole suite with one loop.
 *
 * @packageDocumentation
 */
export { conformanceCases, type ConformanceCase, type ConformanceOptions } from './conformance';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck';
export {
  FIXTURE_FORMAT,
  FixtureChecker,
  fixtureRecurrentOptions,
  fixtureTensor,
  runRecurrentFixtureCase,
  maxRelativeError,
  parseFixtureCases,
  type FixtureComparison,
  type FixtureRecurrentOptions,
  type FixtureTensor,
  type RecurrentFixtureInputs,
  type RecurrentFixtureOutputs,
  type RecurrentFixtureCase,
} from './fixtures';
export { TOLERANCE, assertClose, isClose, type Tolerance } from './tolerance';
export { checkPaddingIsNeverRead, type PaddedRecurrentModule, type PaddingCheckResult } from './padding';
export { collectGarbage, measureTrainingMemory, type TrainingMemoryOptions, type TrainingMemoryReport } from './memory';
export { RejectionCounter, type ErrorClass } from './rejections';
export {
  Float64Tensor,
  erf64,
  refBroadcastShape,
  refConcat,
  refGather,
  refMap,
  refMatmul,
  refPermute,
  refReduce,
  refReshape,
  refSlice,
  refZip,
} from './reference';
