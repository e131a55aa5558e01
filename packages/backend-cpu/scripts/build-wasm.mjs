// Assembles the WebAssembly kernels (scripts/wasm-kernels.mjs) with wabt from npm and writes
// src/wasm/modules.generated.ts, the two modules (shared-memory builds) as base64 so that the ESM and CJS builds load them
// in Node and in browsers without fs or fetch. `node scripts/build-wasm.mjs --check` only compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedModulesSource } from './wasm-build-lib.mjs';

const target = fileURLToPath(new URL('../src/wasm/modules.generated.ts', import.meta.url));
const source = await generatedModulesSource();
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== source) {
    console.error(`${target} differs from what scripts/wasm-kernels.mjs generates; run node scripts/build-wasm.mjs`);
    process.exit(1);
  }
  console.log('wasm modules: committed bytes match the generator');
} else {
  writeFileSync(target, source);
  console.log(`wrote ${target}`);
}
