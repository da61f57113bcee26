// Every PromQL expression of Prometheus rule files, PrometheusRule manifests and Grafana dashboards, parsed with
// Prometheus's own grammar (@prometheus-io/lezer-promql): its series selectors (metric name and label matchers) and
// any syntax error, as JSON, for the tests that hold them against the metrics the processes export.
// Usage: node promql-selectors.mjs file...   (.json: a Grafana dashboard; .yml/.yaml: rule groups or a PrometheusRule)
import fs from 'node:fs';
import YAML from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';

// Grafana's built-in interval variables stand for a duration; any other variable would not be PromQL.
const GRAFANA_DURATIONS = /\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g;

function expressions(file) {
  const text = fs.readFileSync(file, 'utf8');
  const found = [];
  if (file.endsWith('.json')) {
    const visit = (panel, where) => {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined) found.push({ where: `${where} "${panel.title}" ${target.refId}`, expr: target.expr });
      }
      (panel.panels ?? []).forEach((p) => visit(p, where));
    };
    (JSON.parse(text).panels ?? []).forEach((p) => visit(p, `${file}: panel`));
    return found;
  }
  for (const document of YAML.parseAllDocuments(text)) {
    const value = document.toJS();
    const groups = value?.kind === 'PrometheusRule' ? value.spec?.groups : value?.groups;
    for (const group of groups ?? []) {
      for (const rule of group.rules ?? []) {
        found.push({ where: `${file}: ${group.name}/${rule.alert ?? rule.record}`, expr: String(rule.expr) });
      }
    }
  }
  return found;
}

const results = [];
for (const file of process.argv.slice(2)) {
  for (const { where, expr } of expressions(file)) {
    const promql = expr.replace(GRAFANA_DURATIONS, '5m');
    const errors = [];
    const selectors = [];
    if (promql.includes('$')) errors.push('uses a variable that is not a Grafana interval');
    const tree = parser.parse(promql);
    tree.iterate({
      enter(node) {
        if (node.type.isError) errors.push(`syntax error at ${node.from}: ...${promql.slice(Math.max(0, node.from - 20), node.from + 20)}...`);
        if (node.name === 'VectorSelector') {
          const selector = { name: null, matchers: [] };
          const cursor = node.node.cursor();
          cursor.firstChild();
          do {
            if (cursor.name === 'Identifier') selector.name = promql.slice(cursor.from, cursor.to);
            if (cursor.name === 'LabelMatchers') {
              const matchers = cursor.node.getChildren('UnquotedLabelMatcher');
              for (const matcher of matchers) {
                const label = matcher.getChild('LabelName');
                const op = matcher.getChild('MatchOp');
                const value = matcher.getChild('StringLiteral');
                selector.matchers.push({
                  label: promql.slice(label.from, label.to),
                  op: promql.slice(op.from, op.to),
                  value: JSON.parse(promql.slice(value.from, value.to).replace(/^'|'$/g, '"')),
                });
              }
            }
          } while (cursor.nextSibling());
          selectors.push(selector);
        }
      },
    });
    if (selectors.length === 0) errors.push('selects no series');
    results.push({ where, expr, selectors, errors });
  }
}
console.log(JSON.stringify(results));
