'use strict'
// The uvkafka package: KafkaJS 2.2.4's exports, on uvkafka.
const { Kafka } = require('./kafka')
const constants = require('./constants')
const errors = require('./errors')
const { Partitioners } = require('./partitioners')

const exported = Object.assign({
  Kafka,
  Partitioners,
  logLevel: constants.logLevel,
  CompressionTypes: constants.CompressionTypes,
  ConfigResourceTypes: constants.ConfigResourceTypes,
  AclResourceTypes: constants.AclResourceTypes,
  ResourceTypes: constants.ResourceTypes,
  AclOperationTypes: constants.AclOperationTypes,
  AclPermissionTypes: constants.AclPermissionTypes,
  ResourcePatternTypes: constants.ResourcePatternTypes,
  ConfigSource: constants.ConfigSource
}, errors)
delete exported.fromNative
delete exported.fromThrown

for (const [name, path] of [['PartitionAssigners', './assigners'], ['AssignerProtocol', './assigner_protocol'], ['CompressionCodecs', './codecs']]) {
  Object.defineProperty(exported, name, { enumerable: true, get: () => require(path)[name] })
}

module.exports = exported
