'use strict'
// Prints the folder holding node_api.h: the headers installed with this node, else the
// node-api-headers package. Never downloads anything.
const fs = require('fs')
const path = require('path')
const candidates = [path.resolve(process.execPath, '..', '..', 'include', 'node')]
try {
  candidates.push(require('node-api-headers').include_dir)
} catch (e) {}
for (const dir of candidates) {
  if (fs.existsSync(path.join(dir, 'node_api.h'))) {
    process.stdout.write(dir + '\n')
    process.exit(0)
  }
}
process.stderr.write('node_api.h not found in ' + candidates.join(', ') +
  ' (install Node.js with its headers, or `npm install node-api-headers`)\n')
process.exit(1)
