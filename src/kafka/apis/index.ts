/**
 * The table of Kafka APIs this listener serves. ApiVersions answers from it, the connection dispatches by it.
 *
 * To add an API: write `src/kafka/apis/<name>.ts` with its message definitions (fields and version ranges from the
 * facts of Kafka's message spec, see `src/kafka/protocol/schema.ts`) and a handler made with `defineApi`, then
 * import it here and add it to `KAFKA_APIS` (one line each). Nothing else changes: codecs are derived per version.
 */
import type { KafkaApi } from '../api.js'
import { alterConfigsApi } from './alter-configs.js'
import { apiVersionsApi } from './api-versions.js'
import { createPartitionsApi } from './create-partitions.js'
import { createTopicsApi } from './create-topics.js'
import { deleteGroupsApi } from './delete-groups.js'
import { deleteTopicsApi } from './delete-topics.js'
import { describeClusterApi } from './describe-cluster.js'
import { describeConfigsApi } from './describe-configs.js'
import { describeGroupsApi } from './describe-groups.js'
import { initProducerIdApi } from './init-producer-id.js'
import { fetchApi } from './fetch.js'
import { findCoordinatorApi } from './find-coordinator.js'
import { heartbeatApi } from './heartbeat.js'
import { incrementalAlterConfigsApi } from './incremental-alter-configs.js'
import { joinGroupApi } from './join-group.js'
import { leaveGroupApi } from './leave-group.js'
import { listGroupsApi } from './list-groups.js'
import { listOffsetsApi } from './list-offsets.js'
import { metadataApi } from './metadata.js'
import { offsetCommitApi } from './offset-commit.js'
import { offsetFetchApi } from './offset-fetch.js'
import { offsetForLeaderEpochApi } from './offset-for-leader-epoch.js'
import { produceApi } from './produce.js'
import { syncGroupApi } from './sync-group.js'

export const KAFKA_APIS: readonly KafkaApi[] = [
  apiVersionsApi,
  metadataApi,
  produceApi,
  fetchApi,
  listOffsetsApi,
  offsetForLeaderEpochApi,
  createTopicsApi,
  deleteTopicsApi,
  createPartitionsApi,
  describeConfigsApi,
  alterConfigsApi,
  incrementalAlterConfigsApi,
  describeClusterApi,
  initProducerIdApi,
  // consumer groups (src/groups through backend.groups.classic)
  offsetCommitApi,
  offsetFetchApi,
  findCoordinatorApi,
  joinGroupApi,
  heartbeatApi,
  leaveGroupApi,
  syncGroupApi,
  describeGroupsApi,
  listGroupsApi,
  deleteGroupsApi,
]
