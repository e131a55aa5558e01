/**
 * `@gated/onnx`: ONNX export and import for Gated. {@link exportOnnx} writes any model built from
 * Gated modules and ops as an ONNX graph with native `GRU`/`LSTM` nodes for onnxruntime;
 * {@link importOnnx} reads ONNX files (such as PyTorch's `torch.onnx.export` output) into trainable
 * Gated modules.
 *
 * @packageDocumentation
 */
export { importOnnx, OnnxModel, SUPPORTED_OPSETS, type ImportOnnxOptions, type ImportedRecurrentLayer, type OnnxInput, type OnnxValueInfo } from './import-onnx';
export { OnnxFormatError, OnnxUnsupportedError, OnnxExportError } from './errors';
export { exportOnnx, EXPORT_OPSETS, type ExportInput, type ExportOnnxOptions, type ExportResult } from './export-onnx';
