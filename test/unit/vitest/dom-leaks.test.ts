/** DOM leak arithmetic on plain readings: which trees and listeners are new, and steady growth per iteration. */
import { describe, expect, test } from 'vitest'
import { describeElement } from '../../../src/vitest/browser/cdp-page.js'
import { domGrowth, domLeakResult, steadyDomGrowth, type DomReading } from '../../../src/vitest/browser/dom-leaks.js'

const tree = (rootId: number, root = 'div', nodes = 1) => ({ rootId, root, nodes })
const listener = (type: string, location: string) => ({ target: 'window' as const, type, useCapture: false, handler: 'onKey', location })
const reading = (detached: DomReading['detached'], listeners: DomReading['listeners'] = [], liveBytes = 0): DomReading => ({ detached, listeners, liveBytes })

describe('domGrowth', () => {
  test('counts only trees whose root was not detached before, grouped by root', () => {
    const growth = domGrowth(reading([tree(1)]), reading([tree(1), tree(2, 'li.row', 3), tree(3, 'li.row', 3)]))
    expect(domLeakResult(growth, 1).detached).toEqual([{ root: 'li.row', trees: 2, nodes: 6 }])
  })

  test('counts listeners added and not removed, by handler location', () => {
    const before = reading([], [listener('keydown', '1:2:3')])
    const after = reading([], [listener('keydown', '1:2:3'), listener('keydown', '1:2:3'), listener('resize', '4:5:6')])
    expect(domLeakResult(domGrowth(before, after), 1).listeners.map((l) => [l.type, l.count])).toEqual([['keydown', 1], ['resize', 1]])
  })
})

describe('steadyDomGrowth', () => {
  test('something built once (in one half only) is not a leak; steady growth is, per iteration', () => {
    const start = reading([])
    const middle = reading([tree(1, 'template'), tree(2, 'li'), tree(3, 'li')])
    const end = reading([tree(1, 'template'), tree(2, 'li'), tree(3, 'li'), tree(4, 'li'), tree(5, 'li')])
    const steady = steadyDomGrowth(domGrowth(start, middle), 2, domGrowth(middle, end), 2)
    expect(steady.detached).toEqual([{ root: 'li', trees: 1, nodes: 1 }])
  })
})

test('describeElement names a root like a selector', () => {
  expect(describeElement({ nodeName: 'SECTION', localName: 'section', attributes: ['id', 'dialog', 'class', ' modal  open '] })).toBe('section#dialog.modal.open')
  expect(describeElement({ nodeName: 'DIV' })).toBe('div')
})
