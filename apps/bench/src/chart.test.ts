import { describe, expect, it } from 'vitest';
import { escapeXml, renderChart } from './chart';
import { results, speedResult } from './test-helpers';

describe('SVG chart', () => {
  const svg = renderChart(
    results([
      speedResult('small', 'gru', 'forward', [10, 12, 11]),
      speedResult('small', 'lstm', 'forward', [15, 14, 16]),
      speedResult('small', 'gru', 'backward', [30, 31, 32]),
      speedResult('small', 'lstm', 'backward', [40, 41, 42]),
      speedResult('medium', 'gru', 'forward', [100, 101, 102]),
    ]),
  );

  it('is one well-formed SVG document with a bar, a whisker and a label per figure', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<title>/g)).toHaveLength(5);
    expect(svg).toContain('>11.0 ms<');
    expect(svg).toContain('>15.0 ms<');
    expect(svg).toContain('forward + backward');
    expect(svg).toContain('not run'); // medium LSTM was not measured
    expect(svg.match(/<g>/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
  });

  it('escapes text taken from the machine description', () => {
    expect(svg).toContain('Test CPU &lt;fast&gt; &amp; &quot;quoted&quot;');
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;');
  });
});
