import { describe, expect, it } from 'vitest'
import { InFlightBudget } from '../../../src/http/routes/v3/records-stream.js'

describe('InFlightBudget', () => {
  it('grants what is free, makes the rest wait, and wakes every waiter once some is released', () => {
    const budget = new InFlightBudget(100)
    const woken: string[] = []
    expect(budget.acquire(60, () => woken.push('a'))).toBe(60)
    expect(budget.acquire(60, () => woken.push('b'))).toBe(40)
    expect(budget.acquire(1, () => woken.push('c'))).toBe(0)
    expect(budget.acquire(5, () => woken.push('d'))).toBe(0)
    expect(woken).toEqual([])
    budget.release(40)
    expect(woken).toEqual(['c', 'd'])
    budget.release(10)
    expect(woken).toEqual(['c', 'd']) // woken once: a waiter that still needs budget asks again
    expect(budget.acquire(100, () => woken.push('e'))).toBe(50)
  })
})
