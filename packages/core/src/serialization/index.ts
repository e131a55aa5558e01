export { saveSafetensors, loadSafetensors, safetensorsMetadata, type SaveSafetensorsOptions } from './safetensors';
export {
  stateDictToJSON,
  stateDictFromJSON,
  STATE_DICT_JSON_FORMAT,
  type StateDictJSON,
  type StateDictToJSONOptions,
  type TensorJSON,
  type JsonFloat,
} from './json';
export type { LoadOptions } from './tensor-data';
