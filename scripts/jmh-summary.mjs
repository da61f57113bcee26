// Summarises JMH JSON results as a markdown table: score, error, allocation per op, and the ratio to the baseline
// benchmark of the same class (the one whose name starts with "baseline"), so each figure reads against a reference
// measured in the same run on the same machine.
import fs from 'node:fs';

const rows = [];
for (const file of process.argv.slice(2)) {
  for (const result of JSON.parse(fs.readFileSync(file, 'utf8'))) {
    const [cls, method] = [result.benchmark.replace(/\.[^.]+$/, ''), result.benchmark.replace(/.*\./, '')];
    const alloc = result.secondaryMetrics?.['gc.alloc.rate.norm'];
    // JMH writes "NaN" (a string) for the error of a single iteration.
    rows.push({ cls, method, score: Number(result.primaryMetric.score), error: Number(result.primaryMetric.scoreError),
      unit: result.primaryMetric.scoreUnit, alloc: alloc ? Number(alloc.score) : NaN });
  }
}
const baselines = new Map(rows.filter((r) => r.method.startsWith('baseline')).map((r) => [r.cls, r]));
console.log('| benchmark | score | ± error | allocation (B/op) | ratio to baseline |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const base = baselines.get(r.cls);
  const ratio = base && base !== r ? `${(r.score / base.score).toFixed(2)}× ${base.method}` : '—';
  const alloc = Number.isNaN(r.alloc) ? 'n/a' : r.alloc.toFixed(r.alloc < 1 ? 3 : 0);
  console.log(`| ${r.cls.replace(/.*\./, '')}.${r.method} | ${r.score.toFixed(2)} ${r.unit} | ${Number.isNaN(r.error) ? 'n/a' : r.error.toFixed(2)} | ${alloc} | ${ratio} |`);
}
