import assert from 'node:assert/strict';

/**
 * Every sample line of Prometheus' text exposition format: a name, optional labels, a float as Go's
 * ParseFloat reads it (so NaN and Inf in any case, as prom-client writes "Nan").
 */
const sampleLine = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?\d+(\.\d+)?(e[+-]?\d+)?|nan|[+-]?inf)( -?\d+)?$/i;

/** Fail unless every line is a HELP or TYPE comment, a sample line, or empty. */
export function assertExpositionFormat(text: string): void {
  let samples = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    assert.match(line, sampleLine, `not a Prometheus sample line: ${line}`);
    samples++;
  }
  assert.ok(samples > 0, 'no samples at all');
}
