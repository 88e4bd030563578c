/**
 * Readiness of one gateway: the conditions that must all hold before it should get traffic. The composition
 * root marks each one done as start-up proceeds and marks the gateway closing on shutdown; `/ready` reports
 * the first condition that fails (Karapace-style evidence), `/healthy` only that the process answers.
 */

export type ReadinessCondition = 'storage' | 'consumer-offsets' | 'schema-registry' | 'listeners' | 'closing'

const PENDING_REASONS: Record<Exclude<ReadinessCondition, 'closing'>, string> = {
  storage: 'partition logs are being recovered',
  'consumer-offsets': 'committed offsets are being replayed from __consumer_offsets',
  'schema-registry': 'schemas are being replayed from _schemas',
  // Marked last, once every listener's application answers: until then the API itself answers 503 (issue 16.6).
  listeners: 'the API is being built',
}

export interface ReadinessReport {
  ready: boolean
  /** Why not ready (undefined when ready). */
  reason: string | undefined
  /** Each start-up condition and whether it holds. */
  checks: Record<Exclude<ReadinessCondition, 'closing'>, boolean>
  closing: boolean
  /** Damage start-up quarantined (log.damage.policy=start): the server serves what is intact; an operator should look. */
  storageDamage: readonly string[]
}

export class Readiness {
  private readonly done = new Set<ReadinessCondition>()
  private closing = false
  private partitionsRecovered = 0
  private storageDamage: readonly string[] = []

  /** A start-up condition now holds. */
  mark (condition: Exclude<ReadinessCondition, 'closing'>): void {
    this.done.add(condition)
  }

  /** Recovery progress, shown in the not-ready reason. */
  partitionRecovered (): void {
    this.partitionsRecovered++
  }

  /** What the storage engine quarantined at start-up, reported by /ready. */
  noteStorageDamage (messages: readonly string[]): void {
    this.storageDamage = [...messages]
  }

  markClosing (): void {
    this.closing = true
  }

  get ready (): boolean {
    return this.report().ready
  }

  report (): ReadinessReport {
    const checks = {
      storage: this.done.has('storage'),
      'consumer-offsets': this.done.has('consumer-offsets'),
      'schema-registry': this.done.has('schema-registry'),
      listeners: this.done.has('listeners'),
    }
    let reason: string | undefined
    if (this.closing) {
      reason = 'the server is shutting down'
    } else {
      for (const [name, ok] of Object.entries(checks) as Array<[keyof typeof checks, boolean]>) {
        if (ok) continue
        reason = PENDING_REASONS[name]
        if (name === 'storage' && this.partitionsRecovered > 0) reason += ` (${this.partitionsRecovered} partitions scanned so far)`
        break
      }
    }
    return { ready: reason === undefined, reason, checks, closing: this.closing, storageDamage: this.storageDamage }
  }
}
