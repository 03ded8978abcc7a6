// Builds the browser bundles opname embeds, web/assets/vendor/*.js, from
// the entry files beside this script and the npm packages that
// web/package-lock.json locks. The output is the same byte for byte on
// every run (.ci/run checks it): fixed options, no source maps, no dates.
// Each bundle starts with the licence texts of the packages it holds.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = dirname(here);
const out = join(web, 'assets', 'vendor');

// bundles: output name → entry file.
const bundles = { 'tus.js': 'tus.js', 'sha256.js': 'sha256.js', 'ed25519.js': 'ed25519.js' };

// packageOf is the package folder under node_modules that holds file.
function packageOf(file) {
  const parts = file.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return null;
  const n = parts[i + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, i + 1 + n).join('/');
}

// licences is a comment with the name, version and licence text of each
// package that went into a bundle, in name order.
function licences(inputs) {
  const dirs = [...new Set(Object.keys(inputs).map(packageOf).filter(Boolean))];
  const parts = [];
  for (const dir of dirs.map((d) => join(web, d)).sort()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).filter((f) => /^licen[cs]e/i.test(f)).sort()[0];
    let text = file ? readFileSync(join(dir, file), 'utf8').trim() : 'License: ' + pkg.license;
    text = text.replaceAll('*/', '* /');
    parts.push(pkg.name + ' ' + pkg.version + '\n\n' + text);
  }
  return '/*!\n' + parts.join('\n\n----\n\n') + '\n*/\n';
}

for (const [name, entry] of Object.entries(bundles)) {
  const result = await esbuild.build({
    entryPoints: [join(here, entry)],
    absWorkingDir: web,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    legalComments: 'eof', // the packages' own licence comments, kept
    charset: 'utf8',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  writeFileSync(join(out, name), licences(result.metafile.inputs) + code);
  console.log('bundled', relative(web, join(out, name)), code.length, 'bytes');
}
