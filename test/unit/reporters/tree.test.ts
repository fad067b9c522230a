import { describe, expect, it } from 'vitest'
import { buildTree, renderTreeText } from '../../../src/reporters/tree.js'
import { makeCapture, sampleTree } from '../../helpers/captures.js'

describe('tree reporter', () => {
  it('folds pass-through runner frames into the line before user code', () => {
    const model = buildTree(makeCapture(sampleTree()))
    const [first] = model.root.children
    expect(first).toMatchObject({ frame: { functionName: 'callFn' }, folded: 1 })
    expect(first!.children.map((child) => child.frame.functionName)).toEqual(['toCsv', 'buildTable', 'lodashClone'])
    expect(buildTree(makeCapture(sampleTree()), { foldInternals: false }).root.children[0]).toMatchObject({ frame: { functionName: 'runTest' }, folded: 0 })
  })

  it('limits width with a "more" entry and depth with a cut marker', () => {
    const model = buildTree(makeCapture(sampleTree()), { width: 1, depth: 2 })
    const callFn = model.root.children[0]!
    expect(callFn.children).toHaveLength(1)
    expect(callFn.more).toMatchObject({ count: 2 })
    expect(callFn.children[0]).toMatchObject({ frame: { functionName: 'toCsv' }, cutAtDepth: false })
    const shallow = buildTree(makeCapture(sampleTree()), { depth: 1 })
    expect(shallow.root.children[0]).toMatchObject({ children: [], cutAtDepth: true })
  })

  it('renders branches with sizes, percentages and locations', () => {
    const text = renderTreeText(buildTree(makeCapture(sampleTree()), { width: 2 }), { color: false })
    expect(text.split('\n')).toEqual([
      'test/app.test.ts > app > builds (5.5 MiB sampled in total)',
      '5.5 MiB 100.0% (all allocations)',
      expect.stringMatching(/^└── 5\.5 MiB 100\.0% callFn node_modules\/@vitest\/runner\/dist\/index\.js:50 \(\+1 internal frame folded\)$/),
      expect.stringMatching(/^    ├── 5\.0 MiB 9\d\.\d% toCsv src\/csv\.ts:3 own 5\.0 MiB$/),
      expect.stringMatching(/^    ├── 478\.3 KiB 8\.5% buildTable src\/table\.ts:8 own 64\.6 KiB$/),
      expect.stringMatching(/^    │   ├── 396\.1 KiB .* makeRow src\/table\.ts:20 own 396\.1 KiB$/),
      expect.stringMatching(/^    │   └── 17\.6 KiB .* JSON\.parse node:internal\/json:1 own 17\.6 KiB$/),
      expect.stringMatching(/^    └── … 1 more \(16\.6 KiB, 0\.3%\)$/),
    ])
  })
})
