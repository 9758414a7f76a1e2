'use strict'
// index.d.ts against the TypeScript compiler of the package's devDependencies:
// test/types/sample.ts (the whole API, used the way KafkaJS users write it) must compile under
// `tsc --strict --noEmit`; test/types/bad.ts must fail, with errors on exactly its lines marked
// EXPECT-ERROR (so the declarations are checked, not `any`).
const { test } = require('node:test')
const assert = require('node:assert')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const types = path.join(__dirname, 'types')
const tsc = path.join(path.dirname(require.resolve('typescript/package.json', { paths: [root] })), 'bin', 'tsc')

function compile (project) {
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(types, project), '--strict', '--noEmit', '--pretty', 'false'],
    { cwd: root, encoding: 'utf8', timeout: 120000 })
  assert.strictEqual(r.error, undefined, `tsc did not run: ${r.error}`)
  return { status: r.status, output: r.stdout + r.stderr }
}

test('the package resolves its declarations from package.json "types"', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  assert.strictEqual(pkg.types, 'index.d.ts')
  assert.ok(pkg.files.includes('index.d.ts'))
  assert.ok(fs.existsSync(path.join(root, pkg.types)))
})

test('sample.ts (producer, consumer, transactions, admin, errors) compiles with tsc --strict', () => {
  const { status, output } = compile('tsconfig.json')
  assert.strictEqual(status, 0, `tsc failed:\n${output}`)
  assert.strictEqual(output.trim(), '')
})

test('bad.ts fails to compile, on exactly its EXPECT-ERROR lines', () => {
  const { status, output } = compile('tsconfig.bad.json')
  assert.notStrictEqual(status, 0, 'tsc accepted code that must not compile')
  const expected = fs.readFileSync(path.join(types, 'bad.ts'), 'utf8').split('\n')
    .map((line, i) => (/\/\/ EXPECT-ERROR/.test(line) ? i + 1 : 0)).filter(Boolean)
  const reported = [...new Set([...output.matchAll(/bad\.ts\((\d+),\d+\): error TS\d+/g)].map(m => Number(m[1])))]
  assert.ok(expected.length >= 8)
  assert.deepStrictEqual(reported.sort((a, b) => a - b), expected, `tsc output:\n${output}`)
})

test('every value index.d.ts declares exists at runtime, with the same enum members; every KafkaJS export is declared', () => {
  const dts = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8')
  const pkg = require('..')
  const declared = [...dts.matchAll(/^export (?:class|const|var|enum|function) (\w+)/gm)].map(m => m[1])
  assert.ok(declared.length > 40)
  for (const name of declared) assert.notStrictEqual(pkg[name], undefined, `${name} is declared but not exported`)
  for (const name of Object.keys(require('kafkajs'))) {
    if (name in pkg) assert.ok(declared.includes(name), `${name} is exported (as by KafkaJS) but not declared`)
  }
  for (const [, name, body] of dts.matchAll(/^export enum (\w+) \{([^}]*)\}/gm)) {
    const members = Object.fromEntries([...body.matchAll(/(\w+) = (\d+)/g)].map(m => [m[1], Number(m[2])]))
    assert.deepStrictEqual(Object.assign({}, pkg[name]), members, `enum ${name}`)
  }
  for (const name of ['Partitioners', 'PartitionAssigners', 'AssignerProtocol']) {
    const block = dts.match(new RegExp(`^export const ${name}: \\{([\\s\\S]*?)^\\}`, 'm'))[1]
    const keys = [...block.matchAll(/^ {2}(\w+):/gm)].map(m => m[1]).sort()
    assert.deepStrictEqual(keys, Object.keys(pkg[name]).sort(), name)
  }
})
