import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError, loadSafetensors, saveSafetensors, type Module, type Tensor } from '@gated/core';

/** A saved model that cannot be used: a missing file, a config of another example, a field of the wrong type. */
export class ModelFileError extends ValueError {}

/** The file names inside a model folder. */
export const MODEL_FILES = { weights: 'model.safetensors', config: 'config.json', vocabulary: 'vocabulary.json' } as const;

/** Version of the config layout, checked on load. */
export const CONFIG_FORMAT = 'gated-example/v1';

/** Writes `model`'s weights as safetensors and `config` (tagged with `example`) as JSON into `dir`. */
export function saveModel(dir: string, example: string, model: Module, config: object, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MODEL_FILES.weights), saveSafetensors(model.stateDict(), { metadata: { example } }));
  writeFileSync(join(dir, MODEL_FILES.config), JSON.stringify({ format: CONFIG_FORMAT, example, ...config }, null, 2) + '\n');
  for (const [name, value] of Object.entries(extra)) writeFileSync(join(dir, name), JSON.stringify(value) + '\n');
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new ModelFileError(`no ${what} at ${path}: train the model first (or pass --model <dir>)`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelFileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads `dir`'s config and checks that it belongs to `example`; returns it for the example to check its fields. */
export function readConfig(dir: string, example: string): Record<string, unknown> {
  const config = readJson(join(dir, MODEL_FILES.config), 'model config');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ModelFileError(`${join(dir, MODEL_FILES.config)} must hold a JSON object`);
  const record = config as Record<string, unknown>;
  if (record.format !== CONFIG_FORMAT) {
    throw new ModelFileError(`${join(dir, MODEL_FILES.config)}: format must be '${CONFIG_FORMAT}', got ${JSON.stringify(record.format)}`);
  }
  if (record.example !== example) {
    throw new ModelFileError(`${join(dir, MODEL_FILES.config)} is a config of the '${String(record.example)}' example, not '${example}'`);
  }
  return record;
}

/** Reads an extra JSON file (a vocabulary) of a model folder. */
export function readExtra(dir: string, name: string): unknown {
  return readJson(join(dir, name), name);
}

/** A config field that must be an integer in `[min, max]`. */
export function integerField(config: Record<string, unknown>, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const value = config[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ModelFileError(`model config: ${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A config field that must be a finite number. */
export function numberField(config: Record<string, unknown>, name: string): number {
  const value = config[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ModelFileError(`model config: ${name} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

/** A config field that must be one of `choices`. */
export function choiceField<T extends string>(config: Record<string, unknown>, name: string, choices: readonly T[]): T {
  const value = config[name];
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ModelFileError(`model config: ${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Loads `dir`'s safetensors into `model`, strictly: a missing or unexpected tensor, or a wrong shape, is an error. */
export function loadWeights(dir: string, model: Module): void {
  const path = join(dir, MODEL_FILES.weights);
  if (!existsSync(path)) throw new ModelFileError(`no model weights at ${path}: train the model first (or pass --model <dir>)`);
  let state: Record<string, Tensor>;
  try {
    state = loadSafetensors(readFileSync(path));
  } catch (error) {
    throw new ModelFileError(`${path} is not a readable safetensors file: ${(error as Error).message}`);
  }
  try {
    model.loadStateDict(state);
  } catch (error) {
    throw new ModelFileError(`${path} does not fit the model its config describes: ${(error as Error).message}`);
  }
}
