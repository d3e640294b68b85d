// Reads jest --json reports and prints one closing line "N passed, N failed" for CI.
// Usage: node .ci/jest-summary.js <report.json>... ; fails when a report is missing, empty or red,
// and when REQUIRE_MYSQL=1 but no "[mysql]" test ran.
const { readFileSync } = require('node:fs');

let passed = 0;
let failed = 0;
let mysql = 0;
let ok = true;
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`no test report in ${file}: ${error.message}`);
    ok = false;
    continue;
  }
  const tests = report.testResults.flatMap((f) => f.assertionResults);
  passed += tests.filter((t) => t.status === 'passed').length;
  failed += tests.filter((t) => t.status === 'failed').length;
  mysql += tests.filter((t) => t.status === 'passed' && t.ancestorTitles.some((a) => a.includes('[mysql]'))).length;
  if (tests.length === 0 || report.numRuntimeErrorTestSuites > 0) ok = false;
}
if (process.env.REQUIRE_MYSQL === '1') {
  console.log(`MySQL suite: ${mysql} tests passed`);
  if (mysql === 0) {
    console.log('MySQL suite expected (TEST_MYSQL_URL set) but did not run');
    ok = false;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = ok && failed === 0 ? 0 : 1;
