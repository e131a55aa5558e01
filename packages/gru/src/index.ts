/**
 * `@gated/gru`: PyTorch-exact GRU for TypeScript — {@link GRUCell}, {@link GRU} (multi-layer,
 * bidirectional, variable lengths), {@link AttentionPooling}, and PyTorch / Keras weight import-export.
 *
 * @packageDocumentation
 */
export { GRU, type GRUOptions, type GRUForwardOptions, type GRUResult } from './gru';
export { GRUCell, type GRUCellOptions } from './gru-cell';
export {
  AttentionPooling,
  type AttentionPoolingOptions,
  type AttentionPoolingForwardOptions,
  type AttentionPoolingResult,
} from './attention-pooling';
export {
  kerasGruToStateDict,
  loadKerasGruWeights,
  exportKerasGruWeights,
  type KerasArray,
  type KerasGruWeights,
  type KerasLayerSelection,
  type LoadKerasGruOptions,
  type PlainStateDict,
} from './keras';
