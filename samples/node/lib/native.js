'use strict'
// The addon, built by `npm install` (scripts/build.js) into build/uvkafka.node.
const path = require('path')
const file = process.env.UVKAFKA_NODE_ADDON || path.join(__dirname, '..', 'build', 'uvkafka.node')
let addon
try {
  addon = require(file)
} catch (e) {
  e.message = `uvkafka: the native addon could not be loaded from ${file} (run \`npm install\` in the package folder to build it): ${e.message}`
  throw e
}
// A module whose initialisation failed loads as an empty object: say so instead.
if (typeof addon.clientNew !== 'function') throw new Error(`uvkafka: the native addon at ${file} did not initialise`)
module.exports = addon
