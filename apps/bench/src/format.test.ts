import { describe, expect, it } from 'vitest';
import { formatChange, formatCount, formatDuration, formatRatio, formatSignificant, renderTable } from './format';
import { speedTableText } from './report';
import { results, speedResult } from './test-helpers';

describe('number formatting', () => {
  it('keeps three significant digits without exponents', () => {
    expect(formatSignificant(0.012345)).toBe('0.0123');
    expect(formatSignificant(4.567)).toBe('4.57');
    expect(formatSignificant(45.67)).toBe('45.7');
    expect(formatSignificant(456.7)).toBe('457');
    expect(formatSignificant(1234.5)).toBe('1,235');
    expect(formatSignificant(0)).toBe('0');
    expect(formatSignificant(Number.NaN)).toBe('–');
  });

  it('formats counts, ratios, changes and durations', () => {
    expect(formatCount(9633792)).toBe('9,633,792');
    expect(formatRatio(1.2345)).toBe('1.23×');
    expect(formatChange(0.0512)).toBe('+5.1%');
    expect(formatChange(-0.25)).toBe('−25.0%');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
  });
});

describe('renderTable', () => {
  it('aligns columns, widens a group to fit its title and trims trailing spaces', () => {
    const text = renderTable({
      groups: [{ title: '', span: 1 }, { title: 'a long group title', span: 2 }],
      columns: [{ header: 'name', align: 'left' }, { header: 'x' }, { header: 'y' }],
      rows: [['gru', '1', '22'], ['lstm', '333', '4']],
    });
    expect(text.split('\n')).toEqual([
      '      a long group title',
      'name    x              y',
      '────  ───  ─────────────',
      'gru     1             22',
      'lstm  333              4',
    ]);
  });

  it('rejects rows and groups that do not match the columns', () => {
    expect(() => renderTable({ columns: [{ header: 'a' }], rows: [['1', '2']] })).toThrow('row has 2 cells, expected 1');
    expect(() => renderTable({ columns: [{ header: 'a' }], groups: [{ title: 't', span: 2 }], rows: [] })).toThrow('groups span 2 columns');
  });
});

describe('speed table', () => {
  it('shows one row per cell, the group labels once, and LSTM relative to GRU', () => {
    const text = speedTableText(
      results([speedResult('small', 'gru', 'forward', [10, 12, 11]), speedResult('small', 'lstm', 'forward', [15, 14, 16])]),
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^workload\s+backend\s+pass\s+cell\s+median ms\s+min–max ms\s+runs\s+steps\/s\s+GFLOP\/s\s+compile ms\s+vs GRU$/);
    expect(lines[2]).toMatch(/^small\s+cpu\s+forward\s+GRU\s+11.0\s+10.0–12.0\s+3\s/);
    expect(lines[3]).toMatch(/^\s+LSTM\s+15.0\s+14.0–16.0\s+3\s.*1.36×$/);
  });
});
