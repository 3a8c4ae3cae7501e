// Writes a copy of Box's OpenAPI document that Prism can compile.
//
// Box's document marks nullability with a bare {"nullable": true|false}
// member of allOf. Prism's validator cannot compile such a schema and then
// counts every response against it as valid, so a pass would prove nothing.
// The patch drops {"nullable": false} members and turns
// {"allOf": [..., {"nullable": true}]} into "one of those, or null".
//
// usage: node patch-spec.js box-openapi.json out.json
'use strict';
const fs = require('fs');

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node patch-spec.js IN OUT');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(input, 'utf8'));

let patched = 0;
function isBareNullable(s) {
  return s && typeof s === 'object' && 'nullable' in s &&
         Object.keys(s).every((k) => k === 'nullable' || k === 'description');
}
function walk(node) {
  if (Array.isArray(node)) return node.map(walk);
  if (!node || typeof node !== 'object') return node;
  for (const key of Object.keys(node)) node[key] = walk(node[key]);
  if (Array.isArray(node.allOf) && node.allOf.some(isBareNullable)) {
    const nullable = node.allOf.some((s) => isBareNullable(s) && s.nullable === true);
    node.allOf = node.allOf.filter((s) => !isBareNullable(s));
    patched++;
    if (nullable) {
      const inner = { ...node };
      for (const k of Object.keys(node)) delete node[k];
      node.anyOf = [inner, { enum: [null] }];
    }
  }
  return node;
}
walk(spec);

// The server URL is https://api.box.com/2.0 and paths are relative to it;
// Prism routes on the path alone, so fold the "/2.0" into every path and
// serve the document from "/" (the adapter calls <base>/2.0/...).
const paths = {};
for (const [path, item] of Object.entries(spec.paths)) paths['/2.0' + path] = item;
spec.paths = paths;
spec.servers = [{ url: '/' }];
fs.writeFileSync(output, JSON.stringify(spec));
console.error(`patch-spec: ${patched} allOf schemas with a bare nullable patched`);
