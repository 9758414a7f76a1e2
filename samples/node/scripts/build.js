'use strict'
// `npm install` runs this: configures a meson build of the repository with the addon on
// (release, no tests, no samples) and copies uvkafka.node to build/. Nothing is downloaded:
// the Node-API headers come from the node installation (or node-api-headers).
const { spawnSync } = require('child_process')
const fs = require('fs')
const path = require('path')

const here = path.resolve(__dirname, '..')
const root = path.resolve(here, '..', '..')
const buildDir = process.env.UVKAFKA_NODE_BUILD_DIR || path.join(here, 'build', 'meson')
const out = path.join(here, 'build', 'uvkafka.node')

function run (cmd, args, opts) {
  const r = spawnSync(cmd, args, Object.assign({ stdio: 'inherit' }, opts))
  if (r.error && r.error.code === 'ENOENT') return { missing: true }
  return { status: r.status }
}

function have (cmd) {
  return !run('sh', ['-c', `command -v ${cmd} >/dev/null 2>&1`]).status
}

if (!fs.existsSync(path.join(root, 'meson.build'))) {
  console.error(`uvkafka: ${root} is not the uvkafka checkout this package builds from`)
  process.exit(1)
}
if (!have('meson') || !have('ninja') || !have('pkg-config')) {
  // The repository's own installer knows the Debian packages; it needs root.
  const deps = path.join(root, 'test', 'lib', 'install-deps.sh')
  if (process.getuid && process.getuid() === 0 && fs.existsSync(deps)) {
    if (run(deps, []).status !== 0) process.exit(1)
  } else {
    console.error('uvkafka: meson, ninja and pkg-config are needed (Debian: apt-get install meson ninja-build pkg-config libuv1-dev libmbedtls-dev zlib1g-dev)')
    process.exit(1)
  }
}

const setup = ['setup', buildDir, root, '-Dnode_addon=true', '-Dtests=false', '-Dsamples=false',
  '-Dbuildtype=release', '-Ddefault_library=static']
if (fs.existsSync(path.join(buildDir, 'build.ninja'))) setup.splice(1, 0, '--reconfigure')
if (run('meson', setup, { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) {
  console.error('uvkafka: meson setup failed')
  process.exit(1)
}
if (run('ninja', ['-C', buildDir, 'samples/node/uvkafka.node']).status !== 0) {
  console.error('uvkafka: building the addon failed')
  process.exit(1)
}
fs.copyFileSync(path.join(buildDir, 'samples', 'node', 'uvkafka.node'), out)
console.error(`uvkafka: built ${path.relative(process.cwd(), out)}`)
