import { describe, expect, it } from 'vitest';
import { parseOptions } from './options';
import { DEFAULT_WORKLOADS, QUICK_WORKLOADS } from './workloads';

describe('command-line options', () => {
  it('--quick picks the quick workloads and repetition plan; --full overrides it', () => {
    const quick = parseOptions(['--quick']);
    expect(quick).toMatchObject({ quick: true, workloads: QUICK_WORKLOADS, warmup: 1, reps: 5, cells: ['gru', 'lstm'], passes: ['forward', 'backward'] });
    const full = parseOptions(['--quick', '--full']);
    expect(full).toMatchObject({ quick: false, workloads: DEFAULT_WORKLOADS, warmup: 2, reps: 7 });
  });

  it('takes explicit lists and numbers over the defaults and remembers which were explicit', () => {
    const o = parseOptions(['--quick', '--workloads', 'large,small', '--cells', 'lstm', '--backends', 'cpu,gpujs', '--reps', '7', '--threshold', '5']);
    expect(o).toMatchObject({ workloads: ['large', 'small'], cells: ['lstm'], backends: ['cpu', 'gpujs'], reps: 7, threshold: 0.05 });
    expect([...o.explicit].sort()).toEqual(['backends', 'cells', 'workloads']);
  });

  it('rejects unknown names and bad numbers with the option in the message', () => {
    expect(() => parseOptions(['--workloads', 'huge'])).toThrow("unknown workload 'huge'; expected one of small, medium, large, deep-bi");
    expect(() => parseOptions(['--cells', 'rnn'])).toThrow("unknown cell 'rnn'");
    expect(() => parseOptions(['--passes', 'train'])).toThrow("unknown pass 'train'");
    expect(() => parseOptions(['--reps', '0'])).toThrow('--reps must be an integer ≥ 1');
    expect(() => parseOptions(['--threshold=-1'])).toThrow('--threshold must be a percentage');
    expect(() => parseOptions(['--current', 'x.json'])).toThrow('--current needs --compare');
    expect(() => parseOptions(['--threads', '0'])).toThrow('--threads must be an integer ≥ 1');
    expect(parseOptions([]).threads).toBe('auto');
    expect(parseOptions(['--threads', '2']).threads).toBe(2);
    expect(parseOptions(['--threads', 'auto']).threads).toBe('auto');
    expect(() => parseOptions(['--bogus'])).toThrow();
  });
});
