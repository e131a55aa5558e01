/**
 * `@gated/lstm`: a PyTorch-exact reference LSTM for TypeScript — {@link LSTMCell} and {@link LSTM}
 * (multi-layer, bidirectional, variable lengths) on the same recurrent base and fast path as
 * `@gated/gru`, so the two can be compared fairly.
 *
 * @packageDocumentation
 */
export { LSTM, type LSTMOptions, type LSTMState, type LSTMStateTuple, type LSTMForwardOptions, type LSTMResult } from './lstm';
export { LSTMCell, type LSTMCellOptions, type LSTMCellState } from './lstm-cell';
