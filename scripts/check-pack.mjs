// What `npm pack` would publish, checked against an allow-list: the compiled library and its
// types, the README, the LICENSE and package.json. A test helper, a source map pointing at
// sources that are not shipped, or a stray file fails the build, naming the file.
import { execFileSync } from 'node:child_process';

const ALLOWED = [/^dist\/lib\/.+\.js$/, /^dist\/lib\/.+\.d\.ts$/, /^README\.md$/, /^LICENSE$/, /^package\.json$/];
const REQUIRED = ['LICENSE', 'README.md', 'package.json', 'dist/lib/index.js', 'dist/lib/index.d.ts'];
// test-only code that lives beside the library's and must never ship
const FORBIDDEN = [/strict-keys/, /\.spec\./, /\.map$/];

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
const files = pack.files.map((file) => file.path);
const problems = [
  ...files.flatMap((file) => {
    if (FORBIDDEN.some((pattern) => pattern.test(file))) return [`${file} must not ship`];
    return ALLOWED.some((pattern) => pattern.test(file)) ? [] : [`${file} is not on the allow-list`];
  }),
  ...REQUIRED.filter((file) => !files.includes(file)).map((file) => `${file} is missing`),
];
if (problems.length > 0) {
  console.error(`check-pack: the package would ship wrong files (run npm run build first):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-pack: ${files.length} files, all on the allow-list (${(pack.unpackedSize / 1024).toFixed(0)} kB unpacked)`);
