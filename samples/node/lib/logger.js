'use strict'
// KafkaJS's logger: logCreator(level) => ({namespace, level, label, log}) => void, the default
// JSON console creator, KAFKAJS_LOG_LEVEL, and logger().namespace() / setLogLevel().
const { logLevel } = require('./constants')

const LABELS = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' }

const envLevel = () => {
  const v = process.env.KAFKAJS_LOG_LEVEL
  if (!v) return null
  const n = logLevel[v.toUpperCase()]
  return n === undefined ? null : n
}

const consoleLogCreator = () => ({ namespace, level, label, log }) => {
  const prefix = namespace ? `[${namespace}] ` : ''
  const message = JSON.stringify(Object.assign({ level: label }, log, { message: `${prefix}${log.message}` }))
  switch (level) {
    case logLevel.INFO: return console.info(message)
    case logLevel.ERROR: return console.error(message)
    case logLevel.WARN: return console.warn(message)
    case logLevel.DEBUG: return console.log(message)
  }
}

function createLogger ({ level = logLevel.INFO, logCreator = consoleLogCreator } = {}) {
  let current = envLevel() ?? level
  const logFunction = logCreator(current)
  // A namespace may have a level of its own (KafkaJS's namespace(name, level); the
  // environment's KAFKAJS_LOG_LEVEL wins there too); the root's namespace is undefined.
  const make = (namespace, own = null) => {
    const levelNow = () => (own == null ? current : own)
    const emit = lvl => (message, extra = {}) => {
      const now = levelNow()
      if (lvl > now || now === logLevel.NOTHING) return
      logFunction({
        namespace,
        level: lvl,
        label: LABELS[lvl],
        log: Object.assign({ timestamp: new Date().toISOString(), logger: 'kafkajs', message }, extra)
      })
    }
    return {
      info: emit(logLevel.INFO),
      error: emit(logLevel.ERROR),
      warn: emit(logLevel.WARN),
      debug: emit(logLevel.DEBUG),
      namespace: (ns, l = null) => make(ns, envLevel() ?? l),
      setLogLevel: l => { current = l }
    }
  }
  const root = make(undefined)
  // What the native library logs (already filtered by its logLevel) goes through the same creator.
  root.native = (ns, lvl, label, timestamp, message, extra) => {
    if (lvl > current || current === logLevel.NOTHING) return
    logFunction({ namespace: ns, level: lvl, label, log: Object.assign({ timestamp, logger: 'kafkajs', message }, extra) })
  }
  root.level = () => current
  return root
}

module.exports = { createLogger, consoleLogCreator, envLevel }
