/**
 * Runs async tasks one at a time, in call order: the one promise mutex of krest (storage appends and admin,
 * the registry's writes, each group's and consumer instance's calls). A failing task does not block later ones.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private pending = 0

  run<T> (task: () => Promise<T> | T): Promise<T> {
    this.pending++
    const result = this.tail.then(task)
    this.tail = result.then(() => { this.pending-- }, () => { this.pending-- })
    return result
  }

  /** Tasks queued or running. */
  get size (): number {
    return this.pending
  }
}
