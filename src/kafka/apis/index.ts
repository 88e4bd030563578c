/**
 * The table of Kafka APIs this listener serves. ApiVersions answers from it, the connection dispatches by it.
 *
 * To add an API: write `src/kafka/apis/<name>.ts` with its message definitions (fields and version ranges from the
 * facts of Kafka's message spec, see `src/kafka/protocol/schema.ts`) and a handler made with `defineApi`, then
 * import it here and add it to `KAFKA_APIS` (one line each). Nothing else changes: codecs are derived per version.
 */
import type { KafkaApi } from '../api.js'
import { apiVersionsApi } from './api-versions.js'
import { metadataApi } from './metadata.js'

export const KAFKA_APIS: readonly KafkaApi[] = [
  apiVersionsApi,
  metadataApi,
]
