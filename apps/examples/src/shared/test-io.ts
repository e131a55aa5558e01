import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExampleIo } from './train-loop';

/** An {@link ExampleIo} that records what an example prints, working in a fresh temporary folder. */
export function recordingIo(): ExampleIo & { out: () => string; err: () => string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout: { write: (text: string) => void stdout.push(text), isTTY: false },
    stderr: { write: (text: string) => void stderr.push(text), isTTY: false },
    cwd: mkdtempSync(join(tmpdir(), 'gated-examples-')),
    out: () => stdout.join(''),
    err: () => stderr.join(''),
  };
}
